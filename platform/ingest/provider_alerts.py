"""E-mail to the provider's ops (``ARGUS_PROVIDER_ALERT_EMAILS``): an ingest node that stopped
heartbeating and one that came back (told by whoever saw the change happen, so once), and a
recording volume under ``ARGUS_PROVIDER_ALERT_DISK_FREE_PERCENT`` free (at most once per node
every ``DISK_QUIET`` seconds while it stays low). Unbranded: it is the provider's own mail.
Sending never raises: the node row and the log hold the same facts."""

from __future__ import annotations

import shutil
from pathlib import Path

import structlog

from argus.platform.core.infra import Infra
from argus.platform.core.mail import Mail, Mailer

log = structlog.get_logger("argus.ingest")
DISK_QUIET = 6 * 3600


async def _no_brand(tenant_id: str):  # type: ignore[no-untyped-def]
    raise LookupError("provider mail has no tenant brand")


async def tell_provider(infra: Infra, subject: str, body: str) -> int:
    """Mail every provider address; how many were sent."""
    to = infra.settings.alerts.provider_emails
    if not to:
        return 0
    mailer, sent = Mailer(infra.settings.mail, brand_of=_no_brand), 0
    for address in to:
        try:
            await mailer.send(Mail(address, f"[Argus ops] {subject}", body,
                                   sender_name="Argus ops"))
            sent += 1
        except Exception as exc:
            log.warning("ingest.provider_alert_failed", to=address, error=str(exc))
    return sent


def free_percent(path: Path) -> float | None:
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return None
    return 100.0 * usage.free / usage.total if usage.total else None


async def check_recording_volume(infra: Infra, node_id: str, rec_dir: Path) -> str | None:
    """The volume's problem when it is under the threshold (and the provider told, quietly
    repeated); None when it has room."""
    free = free_percent(rec_dir)
    limit = infra.settings.alerts.disk_free_percent
    if free is None or free >= limit:
        return None
    problem = f"recording volume {free:.1f}% free (alert under {limit:g}%)"
    key = f"argus:{infra.settings.database.control_schema}:disk-alert:{node_id}"
    if await infra.redis.set(key, "1", nx=True, ex=DISK_QUIET):
        log.error("ingest.recording_volume_low", node=node_id, free_percent=round(free, 1))
        await tell_provider(infra, f"node {node_id}: recording volume low", (
            f"The recording volume of ingest node {node_id} ({rec_dir}) has {free:.1f}% "
            f"free, under the {limit:g}% alert threshold. When it fills, nginx stops writing "
            "recordings on this node. Free space or drain the node "
            f"(PATCH /provider/v1/ingest-nodes/{node_id} {{\"state\": \"draining\"}})."))
    return problem
