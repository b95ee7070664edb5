"""Camera availability history: ``record`` a change (skipped when the camera's last recorded
state is the same), read a window's ``Timeline`` per camera, and from it the outages (each run
of offline/error between two online spells, with the reason it began with) and the uptime
(online seconds over the seconds the camera was known: from the window's start, or from its
first recorded state if later, to the window's end or now)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.analytics.models import STATES, CameraStatusChange

Change = tuple[str, str | None, datetime]  # state, reason, at


async def record(session: AsyncSession, camera_id: str, state: str, reason: str | None,
                 at: datetime) -> bool:
    """Add the change in the caller's transaction unless it repeats the last state."""
    if state not in STATES:
        return False
    last = await session.scalar(
        select(CameraStatusChange.state).where(CameraStatusChange.camera_id == camera_id)
        .order_by(CameraStatusChange.at.desc(), CameraStatusChange.id.desc()).limit(1))
    if last == state:
        return False
    await session.execute(insert(CameraStatusChange).values(
        camera_id=camera_id, state=state, reason=(reason or None) and reason[:200], at=at))
    return True


@dataclass(frozen=True)
class Outage:
    start: datetime
    end: datetime | None  # None: still going
    state: str  # what it began as: offline or error
    reason: str | None

    def seconds(self, now: datetime) -> float:
        return ((self.end or now) - self.start).total_seconds()


@dataclass
class Timeline:
    """One camera's changes in [start, end), with the state it was in at ``start`` (as the
    first change, at ``start``) when one was recorded before."""

    start: datetime
    end: datetime
    changes: list[Change] = field(default_factory=list)

    def since(self, start: datetime) -> Timeline:
        """The same timeline from a later ``start``."""
        if start <= self.start:
            return self
        opening = [c for c in self.changes if c[2] <= start][-1:]
        later = [c for c in self.changes if c[2] > start]
        return Timeline(start, self.end, [(s, r, start) for s, r, _ in opening] + later)

    def _spans(self) -> list[tuple[str, str | None, datetime, datetime]]:
        spans = []
        for i, (state, reason, at) in enumerate(self.changes):
            until = self.changes[i + 1][2] if i + 1 < len(self.changes) else self.end
            spans.append((state, reason, max(at, self.start), min(until, self.end)))
        return [s for s in spans if s[3] > s[2]]

    def series(self) -> list[tuple[float, int]]:
        """(epoch second, 1 online / 0 down) at each change and at the end, for a step chart."""
        points: list[tuple[float, int]] = []  # from the first known state
        for state, _, a, _ in self._spans():
            points.append((a.timestamp(), 1 if state == "online" else 0))
        if points:
            points.append((self.end.timestamp(), points[-1][1]))
        return points

    def observed_seconds(self) -> float:
        return sum((b - a).total_seconds() for _, _, a, b in self._spans())

    def online_seconds(self) -> float:
        return sum((b - a).total_seconds() for s, _, a, b in self._spans() if s == "online")

    def uptime_percent(self) -> float | None:
        observed = self.observed_seconds()
        return None if observed <= 0 else round(100 * self.online_seconds() / observed, 3)

    def outages(self) -> list[Outage]:
        found: list[Outage] = []
        current: tuple[datetime, str, str | None] | None = None
        for state, reason, at in self.changes:
            if state == "online":
                if current is not None:
                    found.append(Outage(current[0], at, current[1], current[2]))
                current = None
            elif current is None:
                current = (max(at, self.start), state, reason)
        if current is not None:
            found.append(Outage(current[0], None, current[1], current[2]))
        return found


async def timelines(session: AsyncSession, start: datetime, end: datetime,
                    camera_ids: list[str] | None = None) -> dict[str, Timeline]:
    """The window's timeline of each camera with history (of the listed ones, if given)."""
    t = CameraStatusChange
    before = select(t.camera_id, func.max(t.at).label("at")).where(t.at < start)
    inside = select(t.camera_id, t.state, t.reason, t.at).where(t.at >= start, t.at < end)
    if camera_ids is not None:
        before = before.where(t.camera_id.in_(camera_ids))
        inside = inside.where(t.camera_id.in_(camera_ids))
    last = before.group_by(t.camera_id).subquery()
    opening = select(t.camera_id, t.state, t.reason, t.at).join(
        last, and_(t.camera_id == last.c.camera_id, t.at == last.c.at))
    found: dict[str, Timeline] = {}
    for camera_id, state, reason, _at in (await session.execute(opening)).tuples():
        found[camera_id] = Timeline(start, end, [(state, reason, start)])
    for camera_id, state, reason, at in (await session.execute(
            inside.order_by(t.camera_id, t.at, t.id))).tuples():
        found.setdefault(camera_id, Timeline(start, end)).changes.append((state, reason, at))
    return found
