"""Name → class registries whose objects round-trip through plain config dicts."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from playground.core.errors import SpecError

T = TypeVar("T")


def _constructor_parameters(cls: type) -> dict[str, Any]:
    """Named constructor parameters and their defaults (none for a class without __init__)."""
    plain = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    sig = inspect.signature(cls.__init__)
    return {k: p.default for k, p in sig.parameters.items() if k != "self" and p.kind in plain}


class Configurable:
    """An object rebuilt from {"name": ..., **params}; params are its constructor arguments."""

    name: str = ""

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"name": self.name}
        for key in _constructor_parameters(type(self)):
            config[key] = getattr(self, key)
        return config

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash(repr(self))


class Registry(Generic[T]):
    """A family of configurable classes looked up by name (e.g. activations.get("relu"))."""

    def __init__(self, family: str) -> None:
        self.family = family
        self._classes: dict[str, type] = {}

    def register(self, name: str) -> Callable[[type], type]:
        def add(cls: type) -> type:
            cls.name = name
            self._classes[name] = cls
            return cls

        return add

    def names(self) -> list[str]:
        return list(self._classes)

    def cls(self, name: str) -> type:
        try:
            return self._classes[name]
        except KeyError:
            known = ", ".join(self._classes)
            raise SpecError(f"unknown {self.family} {name!r} (known: {known})") from None

    def parameters(self, name: str) -> dict[str, Any]:
        """Constructor parameters of an entry with their defaults (for editors)."""
        return _constructor_parameters(self.cls(name))

    def get(self, identifier: str | dict[str, Any] | T) -> T:
        if isinstance(identifier, str):
            return self.cls(identifier)()
        if isinstance(identifier, dict):
            config = dict(identifier)
            name = config.pop("name", None)
            if not isinstance(name, str):
                raise SpecError(f"a {self.family} needs a 'name' (got {identifier!r})")
            cls = self.cls(name)
            allowed = _constructor_parameters(cls)
            unknown = sorted(set(config) - set(allowed))
            if unknown:
                settings = ", ".join(allowed) if allowed else "none"
                raise SpecError(f"{name}.{unknown[0]}: unknown setting for {self.family} "
                                f"{name!r} (settings: {settings})")
            try:
                return cls(**config)
            except TypeError as exc:
                raise SpecError(f"{self.family} {name!r}: {exc}") from None
        if isinstance(identifier, tuple(self._classes.values())):
            return identifier  # type: ignore[return-value]
        raise SpecError(f"cannot make a {self.family} from {identifier!r}")

    def from_config(self, config: dict[str, Any]) -> T:
        return self.get(config)
