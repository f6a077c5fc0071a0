"""The document the user edits: one experiment (as a plain dict) and its undo history.

Every panel edits through this model, so every edit (a layer added, a learning rate typed, a
dataset switched) is one undoable step, and the main window hears of it in one place. A change
is either *live* (learning rate, momentum, batch size, a layer's penalty: the running trainer
takes it) or *structural* (anything else that shapes the run: the worker rebuilds and resets).
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from playground.core import optimizers as optimizer_registry
from playground.core.errors import PlaygroundError
from playground.core.experiment import Experiment

#: fields that change nothing about training (shown to the user only)
DESCRIPTIVE = ("title", "description")


def experiment_document(experiment: Experiment) -> dict[str, Any]:
    """The editable part of an experiment: its dict without format and version."""
    doc = experiment.to_dict()
    doc.pop("format", None)
    doc.pop("version", None)
    return doc


def live_changes(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, Any]] | None:
    """The hyperparameter changes a running trainer can take, or None when the difference
    between the two documents is structural (the run must be rebuilt)."""
    changes: list[tuple[str, Any]] = []
    keys = set(old) | set(new)
    for key in keys:
        a, b = old.get(key), new.get(key)
        if a == b or key in DESCRIPTIVE:
            continue
        if key in ("batch_size", "epochs", "frozen"):  # epochs: the budget; no rebuild needed
            changes.append((key, b))
        elif key == "optimizer":
            if a.get("name") != b.get("name"):
                return None
            try:  # the field the trainer's live "momentum" sets (beta1 for Adam, rho, ...)
                momentum_field = optimizer_registry.registry.cls(b["name"]).momentum_field
            except PlaygroundError:
                return None
            for name in set(a) | set(b):
                if a.get(name) == b.get(name):
                    continue
                if name == "learning_rate":
                    changes.append(("learning_rate", b[name]))
                elif name == momentum_field and momentum_field is not None:
                    changes.append(("momentum", b[name]))
                else:
                    return None
        elif key == "layers":
            if len(a) != len(b):
                return None
            for index, (la, lb) in enumerate(zip(a, b, strict=True), start=1):
                if la == lb:
                    continue
                if {k: v for k, v in la.items() if k != "penalty"} != \
                        {k: v for k, v in lb.items() if k != "penalty"}:
                    return None
                changes.append(("penalty", (index, lb.get("penalty"))))
        else:
            return None
    return changes


class _Edit(QUndoCommand):
    def __init__(self, model: ExperimentModel, old: dict[str, Any], new: dict[str, Any],
                 text: str, merge_key: str | None) -> None:
        super().__init__(text)
        self.model = model
        self.old = old
        self.new = new
        self.merge_key = merge_key

    def id(self) -> int:
        return 1 if self.merge_key else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, _Edit) or other.merge_key != self.merge_key:
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        self.model._apply(self.new)

    def undo(self) -> None:
        self.model._apply(self.old)


class ExperimentModel(QObject):
    """Holds the document; `changed(old, new)` follows every edit, undo and redo."""

    changed = Signal(object, object)  # (object: a dict signal would sort the keys)

    def __init__(self, experiment: Experiment, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._doc = experiment_document(experiment)
        self.undo_stack = QUndoStack(self)

    # --- reading ---------------------------------------------------------------------------------
    def document(self) -> dict[str, Any]:
        """A copy of the current document."""
        return copy.deepcopy(self._doc)

    def get(self, key: str) -> Any:
        return copy.deepcopy(self._doc.get(key))

    def experiment(self) -> Experiment:
        """The document as a validated Experiment; PlaygroundError names the first bad field."""
        return Experiment.from_dict(self.document())

    def problem(self) -> str | None:
        """Why the document cannot be trained as it stands, or None."""
        try:
            self.experiment()
        except PlaygroundError as exc:
            return str(exc)
        return None

    # --- editing ---------------------------------------------------------------------------------
    def set(self, key: str, value: Any, text: str, merge_key: str | None = None) -> None:
        """Set one top-level field ("layers", "optimizer", "batch_size", ...) as one undo step.
        Edits with the same merge_key in a row (a spin box being typed in) merge into one."""
        new = self.document()
        new[key] = copy.deepcopy(value)
        self.replace(new, text, merge_key)

    def replace(self, document: dict[str, Any], text: str,
                merge_key: str | None = None) -> None:
        """Replace the whole document (a preset opened, a file loaded) as one undo step."""
        new = copy.deepcopy(document)
        new.pop("format", None)
        new.pop("version", None)
        if new == self._doc:
            return
        self.undo_stack.push(_Edit(self, self.document(), new, text, merge_key))

    def reset_history(self, experiment: Experiment) -> None:
        """Start over with a document and an empty undo history (opening a file)."""
        old = self.document()
        self._doc = experiment_document(experiment)
        self.undo_stack.clear()
        self.changed.emit(old, self.document())

    def _apply(self, document: dict[str, Any]) -> None:
        old = self._doc
        self._doc = copy.deepcopy(document)
        self.changed.emit(copy.deepcopy(old), self.document())
