"""What was sent: ``<out>/<quarter>/delivery.json``, one entry per message the server accepted.

The file is rewritten atomically after each message, so an interruption loses no entry. A
recipient with an entry for the quarter and team is not sent the pack again (``--force`` does):
a pack that changed since (another SHA-256) does not count as new, since rendering a quarter
again may change the bytes of a pack whose figures did not, and a correction is worth a word of
its own; the entry's SHA-256 lets the send say that the pack changed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from salesops.errors import ParamsError
from salesops.report.run.files import atomic_write_text

RECORD_NAME = "delivery.json"
RECORD_FORMAT = 1


@dataclass(frozen=True)
class Delivered:
    """One message accepted by the server: which pack went to whom, when, as what."""

    quarter: str
    team: str
    recipient: str
    pack_sha256: str
    sent_at: str
    message_id: str
    sent_as: str  # attachment or link


class DeliveryRecord:
    """The deliveries of one quarter, read from and written to ``<out>/<quarter>/delivery.json``."""

    def __init__(self, quarter_dir: Path, quarter: str) -> None:
        self.path = quarter_dir / RECORD_NAME
        self.quarter = quarter
        self.entries = self._read()

    def _read(self) -> list[Delivered]:
        if not self.path.exists():
            return []
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            names = {f.name for f in fields(Delivered)}
            entries = []
            for entry in document["deliveries"]:
                if set(entry) != names or not all(isinstance(v, str) for v in entry.values()):
                    raise TypeError(f"an entry is not {', '.join(sorted(names))}")
                entries.append(Delivered(**entry))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ParamsError(
                f"{self.path} cannot be read ({exc}): it records what was sent; restore it, "
                "or delete it to send every pack of the quarter again"
            ) from None
        return entries

    def last(self, team: str, recipient: str) -> Delivered | None:
        """The latest delivery of the quarter's ``team`` pack to ``recipient`` (case aside)."""
        found = [
            entry
            for entry in self.entries
            if (entry.quarter, entry.team) == (self.quarter, team)
            and entry.recipient.casefold() == recipient.casefold()
        ]
        return found[-1] if found else None

    def add(self, entry: Delivered) -> None:
        """Record ``entry``, writing the whole file again atomically."""
        self.entries.append(entry)
        document = {
            "format": RECORD_FORMAT,
            "quarter": self.quarter,
            "deliveries": [asdict(e) for e in self.entries],
        }
        atomic_write_text(self.path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
