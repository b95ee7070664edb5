"""What an alert says: its title and text, from the event and the camera's name."""

from __future__ import annotations

from datetime import datetime

TITLES = {
    "camera.offline": "{camera} is offline",
    "camera.error": "{camera} has a problem",
    "recording.completed": "A recording of {camera} is ready",
    "recording.failed": "A recording of {camera} failed",
    "clip.ready": "A clip of {camera} is ready",
    "clip.failed": "A clip of {camera} failed",
    "stream.refused": "{camera}'s stream was refused",
    "quota.exceeded": "{camera} is over the plan",
    "usage.threshold": "Usage reached {percent}% of the plan's {metric}",
    "user.created": "A user was added",
    "api_token.created": "An API token was created",
}
RECOVERED = {"camera.offline": "{camera} is back online",
             "camera.error": "{camera} is back online"}


def duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def title(event_type: str, phase: str, camera: str, data: dict) -> str:
    template = (RECOVERED if phase == "resolved" else TITLES).get(event_type, event_type)
    facts = {"camera": camera or "A camera", **{k: v for k, v in data.items()
                                                 if isinstance(v, (str, int, float))}}
    try:
        return template.format(**facts)[:300]
    except (KeyError, IndexError, ValueError):
        return event_type


def text(event_type: str, phase: str, camera: str, data: dict, started: datetime,
         ended: datetime | None) -> str:
    lines = [title(event_type, phase, camera, data) + "."]
    if data.get("reason"):
        lines.append(f"Reason: {data['reason']}.")
    lines.append(f"Since: {started:%Y-%m-%d %H:%M:%S} UTC.")
    if ended is not None:
        lines.append(f"Back at {ended:%Y-%m-%d %H:%M:%S} UTC, after "
                     f"{duration((ended - started).total_seconds())}.")
    return "\n".join(lines)
