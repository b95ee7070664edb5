"""``argus ingest run``: one ingest node — nginx with its rendered configuration, and the node
agent (an arq worker on the node's own queue, the heartbeat / reconcile / thumbnail / egress
loops and
the RTSP relays, finalizing recorded chunks, and at start-up the chunks an earlier run left on
disk). SIGINT or SIGTERM stops everything it started; nginx exiting ends the run
with an error, so a supervisor (systemd, Kubernetes) restarts the whole node.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
from pathlib import Path

import structlog
from arq.worker import Worker, func
from sqlalchemy import update

from argus.platform.core.infra import Infra
from argus.platform.core.jobs import node_queue
from argus.platform.core.redis import arq_settings
from argus.platform.ingest.abr import AbrSupervisor
from argus.platform.ingest.agent import NodeAgent
from argus.platform.ingest.config import NodeConfig, local_address, nginx_user, write
from argus.platform.ingest.egress import EgressMeter
from argus.platform.ingest.jobs import NODE_JOBS
from argus.platform.ingest.metrics import NodeMetrics
from argus.platform.ingest.models import IngestNode
from argus.platform.ingest.relays import RelaySupervisor
from argus.platform.ingest.service import StreamStatus
from argus.platform.observability.exporter import serve_metrics
from argus.platform.observability.series import timed
from argus.platform.recordings.finalize import Finalizer

log = structlog.get_logger("argus.ingest.node")
RELAY_RECONCILE_SECONDS = 5.0
FINALIZE_CONCURRENCY = 4
SWEEP_SECONDS = 30.0  # recordings whose stream ended without a short last piece


class NodeError(Exception):
    """The node cannot start (bad configuration, nginx refused it)."""


async def _recover(finalizer: Finalizer) -> None:
    """Pieces an earlier run left on disk (a crash, or nobody to call record_done): nginx has
    not started yet, so every one is closed and every recording they make is finished."""
    try:
        for name, outcome in (await finalizer.sweep(flush=True)).items():
            log.info("recording.recovered", file=name, outcome=outcome)
    except Exception as exc:  # the sweep loop tries again
        log.warning("recording.recovery_failed", error=str(exc))


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    if found is None:
        raise NodeError("nginx is not installed (Debian: apt-get install nginx libnginx-mod-rtmp)")
    return found


THUMBNAIL_TICK = 5.0  # seconds: how soon a camera that went live gets its first thumbnail


async def _every(seconds: float, action, what: str) -> None:
    while True:
        try:
            await action()
        except Exception as exc:  # a failing round is logged; the loop goes on
            log.warning("ingest.loop_failed", loop=what, error=str(exc))
        await asyncio.sleep(seconds)


async def stop_stale_nginx(work_dir: Path) -> None:
    """An nginx a killed run left behind (it would hold the ports): stop it gracefully."""
    pid_file = work_dir / "nginx.pid"
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return
    if b"nginx" not in cmdline or not any(str(p).encode() in cmdline
                                           for p in (work_dir, work_dir.resolve())):
        return  # the pid was reused by something else
    log.warning("ingest.stale_nginx", pid=pid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGQUIT)
    for _ in range(150):
        if not Path(f"/proc/{pid}").exists():
            return
        await asyncio.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


async def run_node(infra: Infra, stream_status: StreamStatus, cfg: NodeConfig) -> int:
    """Run the node until a signal or nginx's exit; ``stream_status`` is the process's own
    (its resolver caches tenants for the finalizer too)."""
    settings = infra.settings
    structlog.contextvars.bind_contextvars(node=cfg.node_id)  # on every line of this node
    await stop_stale_nginx(cfg.work_dir)
    conf = write(cfg, cfg.work_dir / "nginx.conf")
    nginx = nginx_binary()
    check = await asyncio.create_subprocess_exec(
        nginx, "-t", "-q", "-p", str(cfg.work_dir), "-c", str(conf),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, err = await check.communicate()
    if check.returncode != 0:
        raise NodeError(f"nginx refused the configuration: {err.decode(errors='replace')}")
    agent = NodeAgent(infra, stream_status, cfg.node_id, cfg.work_dir.resolve(),
                      local_address(cfg.http_listen), nginx_user(cfg.work_dir))
    agent.abr = AbrSupervisor(agent, local_address(cfg.rtmp_listen))
    finalizer = Finalizer(infra, stream_status.resolver, cfg.work_dir / "rec",
                          cfg.piece_minutes)
    await agent.forget_previous_run()
    await _recover(finalizer)  # before nginx starts writing again
    proc = await asyncio.create_subprocess_exec(
        nginx, "-p", str(cfg.work_dir), "-c", str(conf), "-g", "daemon off;",
        stdin=asyncio.subprocess.DEVNULL)
    relays = RelaySupervisor(infra, cfg.node_id, local_address(cfg.rtmp_listen),
                             cfg.node_secret)
    worker = Worker(functions=[func(timed(job), name=job.__name__, timeout=timeout,
                                    max_tries=tries) for job, timeout, tries in NODE_JOBS],
                    queue_name=node_queue(settings, cfg.node_id),
                    redis_settings=arq_settings(settings.redis.url),
                    ctx={"agent": agent, "finalizer": finalizer}, handle_signals=False,
                    max_jobs=FINALIZE_CONCURRENCY, poll_delay=0.2, keep_result=60)
    egress = EgressMeter(infra.dbs, infra.redis, settings.database.control_schema, cfg.node_id,
                         cfg.work_dir.resolve() / "log" / "egress.log", agent.tenant)
    ingest = settings.ingest
    metrics = None
    if settings.metrics.node_listen:
        metrics = await serve_metrics(
            settings.metrics.node_listen, settings.metrics.allow,
            NodeMetrics(agent, relays, cfg.work_dir / "rec").families)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks = [
        asyncio.create_task(worker.async_run(), name="worker"),
        asyncio.create_task(_every(ingest.heartbeat_interval, agent.heartbeat, "heartbeat")),
        asyncio.create_task(_every(min(2.0, ingest.heartbeat_interval), agent.reconcile,
                                   "reconcile")),
        asyncio.create_task(_every(min(ingest.thumbnail_interval, THUMBNAIL_TICK),
                                   agent.thumbnail_tick, "thumbnails")),
        asyncio.create_task(_every(RELAY_RECONCILE_SECONDS, relays.reconcile, "relays")),
        asyncio.create_task(_every(ingest.heartbeat_interval, egress.tick, "egress")),
    ]
    tasks.append(asyncio.create_task(_every(SWEEP_SECONDS, finalizer.sweep, "recordings")))
    nginx_exit = asyncio.create_task(proc.wait(), name="nginx")
    stopping = asyncio.create_task(stop.wait())
    log.info("ingest.node_started", node=cfg.node_id, rtmp=cfg.rtmp_listen,
             http=cfg.http_listen)
    print(f"ingest node {cfg.node_id}: RTMP {cfg.rtmp_listen}, HLS {cfg.http_listen}",
          flush=True)
    done, _ = await asyncio.wait([nginx_exit, stopping, *tasks],
                                 return_when=asyncio.FIRST_COMPLETED)
    code = 0
    if nginx_exit in done:
        log.error("ingest.nginx_exited", node=cfg.node_id, code=proc.returncode)
        code = 1
    for task in done:
        if task not in (nginx_exit, stopping) and not task.cancelled() and task.exception():
            log.error("ingest.task_failed", task=task.get_name(), error=str(task.exception()))
            code = 1
    await relays.stop_all()
    await agent.abr.stop_all()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    with contextlib.suppress(Exception):
        await worker.close()
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGQUIT)  # graceful: finishes the recordings
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except TimeoutError:
            proc.kill()
            await proc.wait()
    stopping.cancel()
    if metrics is not None:
        await metrics.wait_closed()
    await agent.close()
    # Stopped on purpose or not, new cameras must not be placed here until it is back.
    with contextlib.suppress(Exception):
        async with infra.dbs.control_session() as session:
            await session.execute(update(IngestNode).where(IngestNode.id == cfg.node_id)
                                  .values(state="offline"))
            await session.commit()
    log.info("ingest.node_stopped", node=cfg.node_id, code=code)
    return code
