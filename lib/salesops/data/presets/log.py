"""What a preset found, mapped and missed in an export, in sentences for ``salesops validate``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class MappingLog:
    """The record of one mapping: files read, tables mapped, objects missing, quirks met."""

    preset: str
    found: dict[str, str] = field(default_factory=dict)
    mapped: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def read(self, name: str, path: Path, rows: int, encoding: str) -> None:
        self.found[name] = f"{path.name} ({rows:,} rows, {encoding})"

    def map(self, table: str, origin: str) -> None:
        self.mapped[table] = origin

    def miss(self, sentence: str) -> None:
        self.missing.append(sentence)

    def note(self, sentence: str) -> None:
        self.notes.append(sentence)

    def lines(self) -> list[str]:
        """The log as indented lines under four headings; empty headings are left out."""
        lines = [f"Preset: {self.preset}"]
        sections = (
            ("Files read:", [f"{k:<26}{v}" for k, v in self.found.items()]),
            ("Mapped:", [f"{k:<22} <- {v}" for k, v in self.mapped.items()]),
            ("Missing:", self.missing),
            ("Notes:", self.notes),
        )
        for heading, items in sections:
            if items:
                lines.append(heading)
                lines += [f"  {item}" for item in items]
        return lines
