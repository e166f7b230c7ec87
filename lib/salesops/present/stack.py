"""Several display objects shown as one output, so a section is one call in a notebook cell."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Stack:
    """Parts shown one under another; each part is anything with ``_repr_html_``."""

    parts: tuple[Any, ...]

    def _repr_html_(self) -> str:
        return "\n".join(part._repr_html_() for part in self.parts)

    def __repr__(self) -> str:
        return "\n\n".join(repr(part) for part in self.parts)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"text/plain": repr(self), "text/html": self._repr_html_()}


def stack(*parts: Any) -> Stack:
    """Show ``parts`` together, skipping None."""
    return Stack(tuple(part for part in parts if part is not None))
