"""Training curves (R1, O2, O3, R5): loss and accuracy per step and per epoch, for training and
validation, the learning rate the schedule gives, and the best epoch when early stopping is on.
Drawn from a snapshot's histories; x is the step count, so per-step and per-epoch rows share
one axis."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from playground.core.trainer import EPOCH_COLUMNS, STEP_COLUMNS
from playground.ui.palette import hex_color

TRAIN = (0, 114, 178)  # blue
TRAIN_STEPS = (150, 190, 225)  # the noisy per-step curve, drawn light behind
VALIDATION = (213, 94, 0)  # vermillion
RATE = (0, 120, 80)

_S = {name: i for i, name in enumerate(STEP_COLUMNS)}
_E = {name: i for i, name in enumerate(EPOCH_COLUMNS)}


class StepAxis(pg.AxisItem):
    """Step counts as 500, 20k, 1.5M: five-digit labels ran into each other."""

    def tickStrings(self, values, scale, spacing):
        return [_compact(v * scale) for v in values]


def _compact(value: float) -> str:
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def _plot(layout: pg.GraphicsLayoutWidget, title: str, row: int, col: int,
          colspan: int = 1) -> pg.PlotItem:
    plot = layout.addPlot(row=row, col=col, colspan=colspan,
                          axisItems={"bottom": StepAxis(orientation="bottom")})
    plot.setTitle(title, color="k", size="12pt")
    # no grid, and 2 px lines: a grid and 2.5 px pens tripled the cost of a redraw (10 ms)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setTextPen("k")
        axis.setPen((90, 90, 90))
    plot.setMouseEnabled(x=False, y=False)
    plot.disableAutoRange()
    plot.hideButtons()
    plot.setMenuEnabled(False)
    plot.setClipToView(True)
    plot.setDownsampling(auto=True, mode="peak")
    return plot


class CurvesView(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        # the key is a line of its own: a legend box would cover the curves
        key = (f"<span style='color:{hex_color(TRAIN)}'>━ training</span> &nbsp; "
               f"<span style='color:{hex_color(TRAIN_STEPS)}'>━ training, each step</span>"
               f" &nbsp; <span style='color:{hex_color(VALIDATION)}'>━ validation</span>")
        self.key = self.addLabel(key, row=0, col=0, colspan=2, size="11pt")
        self.loss_plot = _plot(self, "Loss", 1, 0)
        self.accuracy_plot = _plot(self, "Accuracy", 1, 1)
        self.rate_plot = _plot(self, "Learning rate", 2, 0, colspan=2)
        self.ci.layout.setRowStretchFactor(1, 3)
        self.ci.layout.setRowStretchFactor(2, 1)
        self.loss_steps = self.loss_plot.plot(pen=pg.mkPen(TRAIN_STEPS, width=1))
        self.loss_train = self.loss_plot.plot(pen=pg.mkPen(TRAIN, width=2))
        self.loss_val = self.loss_plot.plot(pen=pg.mkPen(VALIDATION, width=2))
        self.acc_steps = self.accuracy_plot.plot(pen=pg.mkPen(TRAIN_STEPS, width=1))
        self.acc_train = self.accuracy_plot.plot(pen=pg.mkPen(TRAIN, width=2))
        self.acc_val = self.accuracy_plot.plot(pen=pg.mkPen(VALIDATION, width=2))
        self.rate = self.rate_plot.plot(pen=pg.mkPen(RATE, width=2))
        self.best_lines = [pg.InfiniteLine(angle=90, pen=pg.mkPen((60, 60, 60), width=1.5,
                                                                  style=pg.QtCore.Qt.DashLine),
                                           label="best", labelOpts={"color": "k",
                                                                    "position": 0.9})
                           for _ in range(2)]
        for plot, line in zip((self.loss_plot, self.accuracy_plot), self.best_lines,
                              strict=True):
            plot.addItem(line)
            line.setVisible(False)
        self.rate_plot.setLabel("bottom", "step")
        self.rate_plot.setMaximumHeight(110)
        self.accuracy_plot.setYRange(0, 1, padding=0.02)
        self._set_rate_ticks(0.0)

    def reset_curves(self) -> None:
        for curve in (self.loss_steps, self.loss_train, self.loss_val, self.acc_steps,
                      self.acc_train, self.acc_val, self.rate):
            curve.setData([], [])
        for line in self.best_lines:
            line.setVisible(False)
        for plot in (self.loss_plot, self.accuracy_plot, self.rate_plot):
            plot.setXRange(0, 1, padding=0.02)  # a new run: forget the old run's ranges
        self.loss_plot.setYRange(0, 1, padding=0.02)
        self.accuracy_plot.setYRange(0, 1, padding=0.02)
        self._set_rate_ticks(0.0)

    def _set_rate_ticks(self, top: float) -> None:
        """Three labels at most (0, half, the top rate): the strip is short."""
        axis = self.rate_plot.getAxis("left")
        if top > 0:
            axis.setTicks([[(0.0, "0"), (top / 2, f"{top / 2:.3g}"), (top, f"{top:.3g}")]])
        else:
            axis.setTicks([[(0.0, "0")]])

    def _show_accuracy(self, shown: bool) -> None:
        """Regression has no accuracy: the loss takes the whole row."""
        if shown == self.accuracy_plot.isVisible():
            return
        layout = self.ci
        layout.removeItem(self.loss_plot)
        if shown:
            layout.addItem(self.loss_plot, row=1, col=0)
            layout.addItem(self.accuracy_plot, row=1, col=1)
        else:
            layout.removeItem(self.accuracy_plot)
            layout.addItem(self.loss_plot, row=1, col=0, colspan=2)
        self.accuracy_plot.setVisible(shown)

    def update_from(self, steps: np.ndarray, epochs: np.ndarray, best_epoch: int | None,
                    classification: bool) -> None:
        """Redraw from a snapshot's step rows (STEP_COLUMNS) and epoch rows (EPOCH_COLUMNS)."""
        s = steps[:, _S["step"]] if len(steps) else np.zeros(0)
        e = epochs[:, _E["step"]] if len(epochs) else np.zeros(0)
        step_loss = _finite(steps, _S["loss"])
        train_loss, val_loss = _finite(epochs, _E["loss"]), _finite(epochs, _E["val_loss"])
        self.loss_steps.setData(s, step_loss)
        self.loss_train.setData(e, train_loss)
        self.loss_val.setData(e, val_loss)
        rates = _finite(steps, _S["learning_rate"])
        self.rate.setData(s, rates)
        # ranges set here, once: pyqtgraph's automatic ranges redrew each plot two more times
        last = max(float(s[-1]) if len(s) else 0.0, float(e[-1]) if len(e) else 0.0, 1.0)
        for plot in (self.loss_plot, self.accuracy_plot, self.rate_plot):
            plot.setXRange(0, last, padding=0.02)
        self.loss_plot.setYRange(0, _loss_top(step_loss, train_loss, val_loss), padding=0.02)
        if np.isfinite(rates).any():  # from zero: a constant rate is a flat line, not noise
            top = float(np.nanmax(rates))
            self.rate_plot.setYRange(0, top * 1.15 or 1.0, padding=0)
            self._set_rate_ticks(top)
        self._show_accuracy(classification)
        if classification:
            self.acc_steps.setData(s, _finite(steps, _S["accuracy"]))
            self.acc_train.setData(e, _finite(epochs, _E["accuracy"]))
            self.acc_val.setData(e, _finite(epochs, _E["val_accuracy"]))
        best_step = None
        if best_epoch is not None and len(epochs):
            rows = np.flatnonzero(epochs[:, _E["epoch"]] == best_epoch)
            if len(rows):
                best_step = float(epochs[rows[0], _E["step"]])
        for line in self.best_lines:
            line.setVisible(best_step is not None)
            if best_step is not None:
                line.setValue(best_step)


def _loss_top(step_loss: np.ndarray, *epoch_losses: np.ndarray) -> float:
    """The loss axis's top: every epoch value, and the per-step curve but for its rare spikes
    (one bad batch must not flatten the whole curve)."""
    tops = [float(np.nanmax(v)) for v in epoch_losses if np.isfinite(v).any()]
    finite = step_loss[np.isfinite(step_loss)]
    if len(finite):
        tops.append(float(np.percentile(finite, 99)))
    top = max(tops, default=1.0)
    return top if top > 0 else 1.0


def _finite(rows: np.ndarray, column: int) -> np.ndarray:
    """A column with infinities as NaN (pyqtgraph draws gaps at NaN; inf would wreck ranges)."""
    if not len(rows):
        return np.zeros(0)
    values = rows[:, column].astype(np.float64)
    values[~np.isfinite(values)] = math.nan
    return values
