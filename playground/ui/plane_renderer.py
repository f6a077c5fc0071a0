"""Draws a 2-D run: turns a snapshot's weights into the output view's surface and the network
diagram's thumbnails, links and biases. Runs on the GUI thread on copies of the weights, with
its own Network (PlaneProbe), so training never waits for it."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from PySide6.QtGui import QColor

from playground.core.errors import PlaygroundError
from playground.core.plane import PlaneProbe, display_values, plane_bounds
from playground.data import features
from playground.ui import palette
from playground.ui.network_view import NetworkDiagram
from playground.ui.output_view import OutputView

SURFACE_RESOLUTION = 120
THUMBNAIL_STEP = 4  # thumbnails sample every 4th grid point: 30×30 maps
DIAGRAM_INTERVAL = 1 / 15  # seconds between diagram redraws while training runs


class PlaneRenderer:
    def __init__(self, output: OutputView, diagram: NetworkDiagram) -> None:
        self.output = output
        self.diagram = diagram
        self.probe: PlaneProbe | None = None
        self.info: Any = None
        self.discretize = False
        self.hovered: tuple[int, int] | None = None
        self.last_view: Any = None
        self.value_limit = 1.0
        self._last_diagram = 0.0
        self._diagram_values: tuple | None = None

    # --- a new run -------------------------------------------------------------------------------
    def set_run(self, info: Any) -> str | None:
        """Prepare for a freshly built run; returns why the 2-D views cannot show it, or None."""
        self.info = info
        self.probe = None
        self.last_view = None
        self._diagram_values = None  # values for the old structure must not reach the new one
        raw = info.prepared.raw
        if raw.train.X.ndim != 2 or raw.train.X.shape[1] != 2:
            self.diagram.set_message("The 2-D views show problems on the plane; this dataset "
                                     f"has inputs of shape {'×'.join(map(str, info.input_shape))}")
            return "not 2-D"
        all_points = np.concatenate([raw.train.X, raw.validation.X, raw.test.X])
        bounds = plane_bounds(all_points)
        try:
            self.probe = PlaneProbe(info.layer_configs, info.input_shape, info.dtype,
                                    info.prepared.transform, bounds, SURFACE_RESOLUTION)
        except PlaygroundError as exc:
            self.diagram.set_message(str(exc))
            return str(exc)
        self.output.set_bounds(bounds)
        self.set_visible_plane(self.output.visible_bounds())
        if not info.classification:
            targets = np.concatenate([np.asarray(p.values).reshape(-1) for p in
                                      (raw.train, raw.validation, raw.test) if len(p)])
            self.value_limit = float(np.abs(targets).max()) if len(targets) else 1.0
        self._set_points(raw)
        self._set_structure(info)
        return None

    def _colors(self, part: Any) -> list[QColor]:
        if self.info.classification:
            return [QColor(*palette.class_color(int(c))) for c in part.labels]
        values = np.asarray(part.values).reshape(-1)
        return [QColor(*map(int, px[:3]))
                for px in palette.diverging_rgba(values, self.value_limit)]

    def _set_points(self, raw: Any) -> None:
        train, validation, test = raw.train, raw.validation, raw.test
        # validation points are held out like test points: drawn hollow, toggled with them
        held_out = np.concatenate([validation.X, test.X])
        held_colors = self._colors(validation) + self._colors(test)
        self.output.set_points(train.X, self._colors(train), held_out, held_colors)

    def _set_structure(self, info: Any) -> None:
        probe = self.probe
        if probe.columns is None:
            self.diagram.set_message("The diagram draws stacks of dense layers; this one has "
                                     "other layers (the output view still works)")
            return
        layers = probe.network.layers
        columns = [info.input_shape[0]] + [layers[i].units for i in probe.dense]
        headings = ["Input"]
        for i in probe.dense:
            layer = layers[i]
            headings.append(f"{layer.units} · {layer.activation_fn.name}")
        names = info.prepared.features
        labels = features.labels(names) if names else ["x1", "x2"]
        labels = [label.replace("x1", "x₁").replace("x2", "x₂") for label in labels]
        self.diagram.set_message(None)
        self.diagram.set_structure(columns, headings, labels)

    # --- each frame ------------------------------------------------------------------------------
    def render(self, snapshot: Any, running: bool = False) -> bool:
        """Draw the output for a snapshot; True when the diagram is due for a redraw (at most
        15 times a second while training runs; always otherwise): then call render_diagram."""
        probe = self.probe
        if probe is None:
            return False
        probe.load(snapshot.theta, snapshot.buffers)
        now = time.perf_counter()
        diagram_due = probe.columns is not None and self.diagram.isVisible() and (
            not running or now - self._last_diagram >= DIAGRAM_INTERVAL)
        with np.errstate(all="ignore"):
            view = probe.evaluate(with_maps=diagram_due or self.hovered is not None)
        self.last_view = view
        self.output.set_surface(self.surface_pixels(view.outputs), probe.bounds)
        self._show_hovered()
        if view.maps and diagram_due:
            self._last_diagram = now
            weights, biases = probe.weights()
            # copies now: the probe's weights change with the next snapshot
            self._diagram_values = ([w.copy() for w in weights], [b.copy() for b in biases],
                                    [m[:, ::THUMBNAIL_STEP, ::THUMBNAIL_STEP]
                                     for m in view.maps])
            return True
        return False

    def render_diagram(self) -> None:
        """The diagram for the last rendered snapshot (thumbnails, links, biases)."""
        values, self._diagram_values = self._diagram_values, None
        if values is not None and self.probe is not None and self.probe.columns is not None:
            self.diagram.update_values(*values)

    def set_visible_plane(self, bounds: Any) -> None:
        """The output view shows this part of the plane: compute the surface over all of it."""
        if self.probe is not None:
            self.probe.set_plane(bounds, SURFACE_RESOLUTION)

    def surface_pixels(self, outputs: np.ndarray) -> np.ndarray:
        info = self.info
        values = display_values(outputs, info.classification)
        strength = palette.SURFACE_STRENGTH  # the points on top keep the full colours
        if info.classification and values.ndim == 3:  # several classes
            if self.discretize:
                values = np.eye(values.shape[-1])[values.argmax(axis=-1)]
            return palette.class_rgba(values, strength)
        if info.classification:
            if self.discretize:
                values = np.sign(values)
            return palette.diverging_rgba(values, 1.0, strength)
        return palette.diverging_rgba(values, self.value_limit, strength)

    # --- hovering a neuron -----------------------------------------------------------------------
    def hover(self, column: int, unit: int) -> None:
        self.hovered = (column, unit)
        if self.last_view is not None and not self.last_view.maps and self.probe is not None:
            self.last_view = self.probe.evaluate(with_maps=True)
        self._show_hovered()

    def hover_end(self) -> None:
        self.hovered = None
        self.output.show_override(None)

    def _show_hovered(self) -> None:
        if self.hovered is None or self.last_view is None or not self.last_view.maps:
            return
        column, unit = self.hovered
        maps = self.last_view.maps
        if column >= len(maps) or unit >= len(maps[column]):
            self.hover_end()
            return
        values = maps[column][unit]
        limit = float(np.nanmax(np.abs(values))) if values.size else 1.0
        self.output.show_override(palette.diverging_rgba(values, limit or 1.0))

    def parameter_for(self, column: int, source: int | None, target: int) -> tuple[int, str, int]:
        """(layer index, parameter name, flat index) of a link (source given) or a bias."""
        layer_index = self.probe.dense[column - 1]
        layer = self.probe.network.layers[layer_index]
        if source is None:
            return layer_index, "bias", target
        return layer_index, "weight", source * layer.units + target
