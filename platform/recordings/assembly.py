"""Assembling recordings of each camera's chunk length from the pieces nginx records.

nginx records every stream in pieces of the node's ``--chunk-minutes`` (1 by default; its
``record_interval`` is one value for all streams), each starting on a keyframe right where the
previous one ended. A camera's chunk length (the camera's ``chunk_minutes``, else the tenant's,
else 60) is met by joining consecutive pieces without re-encoding. A group of pieces is ready
when it reaches the chunk length, when the next piece does not continue it (the camera
reconnected), or when its stream has ended (its last piece is short, or no piece has followed
for a while).

Pieces stay on the node until their recording's row has committed. A piece nginx has closed is
renamed ``<piece>.flv.closed`` with its probed facts beside it (``<piece>.json``), so a restart
knows which pieces are complete and never probes one twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

CONTIGUOUS = 1.5  # seconds: pieces closer than this continue each other


@dataclass(frozen=True)
class Piece:
    path: Path  # ``….flv.closed``
    started: datetime
    ended: datetime
    duration: float
    codec: str | None
    width: int | None
    height: int | None

    @property
    def name(self) -> str:
        return self.path.name.removesuffix(".closed")

    def sidecar(self) -> Path:
        return self.path.with_name(self.name.removesuffix(".flv") + ".json")

    def save(self) -> None:
        self.sidecar().write_text(json.dumps({
            "started": self.started.timestamp(), "ended": self.ended.timestamp(),
            "duration": self.duration, "codec": self.codec, "width": self.width,
            "height": self.height}))

    @classmethod
    def load(cls, path: Path) -> Piece | None:
        name = path.name.removesuffix(".closed")
        try:
            facts = json.loads(path.with_name(name.removesuffix(".flv") + ".json").read_text())
        except (OSError, ValueError):
            return None
        return cls(path, datetime.fromtimestamp(facts["started"], UTC),
                   datetime.fromtimestamp(facts["ended"], UTC), facts["duration"],
                   facts["codec"], facts["width"], facts["height"])


def ready_groups(pieces: list[Piece], chunk: timedelta, piece_length: timedelta,
                 now: datetime, stream_live: bool, flush: bool = False) -> list[list[Piece]]:
    """Split one camera's closed pieces (any order) into recordings that are ready now.

    ``stream_live``: nginx is still writing a piece of this camera (a group may continue);
    ``flush``: finalize everything (start-up: nothing is being written and whatever follows
    comes after a reconnect).
    """
    ordered = sorted(pieces, key=lambda p: p.started)
    groups: list[list[Piece]] = []
    current: list[Piece] = []
    for piece in ordered:
        if current and ((piece.started - current[-1].ended).total_seconds() > CONTIGUOUS
                        or _length(current) >= chunk - timedelta(seconds=CONTIGUOUS)):
            groups.append(current)
            current = []
        current.append(piece)
    if current:
        last = current[-1]
        full = _length(current) >= chunk - timedelta(seconds=CONTIGUOUS)
        ended = last.duration < piece_length.total_seconds() - 2  # a short piece: it stopped
        idle = now - last.ended > piece_length + timedelta(seconds=30)
        if full or flush or ended or (idle and not stream_live):
            groups.append(current)
    return groups


def _length(group: list[Piece]) -> timedelta:
    return timedelta(seconds=sum(p.duration for p in group))
