"""Errors the core raises with messages meant for the user."""


class PlaygroundError(Exception):
    """Base class: the message is shown to the user as it is."""


class SpecError(PlaygroundError, ValueError):
    """An experiment document, preset or setting that cannot be used; names the field."""


class ShapeError(PlaygroundError, ValueError):
    """A layer stack whose shapes do not fit; names the layer and the numbers."""


def check_number(field: str, value: object, low: float | None = None, high: float | None = None,
                 *, low_open: bool = False, integer: bool = False) -> float:
    """Validate a user-supplied number; raise SpecError naming the field otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(f"{field}: expected a number, got {value!r}")
    if integer and int(value) != value:
        raise SpecError(f"{field}: expected a whole number, got {value!r}")
    if value != value or value in (float("inf"), float("-inf")):
        raise SpecError(f"{field}: must be a finite number, got {value!r}")
    if low is not None and (value < low or (low_open and value == low)):
        bound = f"> {low}" if low_open else f">= {low}"
        raise SpecError(f"{field}: must be {bound}, got {value!r}")
    if high is not None and value > high:
        raise SpecError(f"{field}: must be <= {high}, got {value!r}")
    return value
