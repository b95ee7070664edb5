"""Benchmark: one ingest node under N synthetic cameras (HLS + recording + callbacks).

Run: ``.venv/bin/python bench/ingest/run.py [--counts 25,50,100,200] [--seconds 60]`` after
``./scripts/test`` or ``./scripts/run`` has set up the services. It starts the platform's own
processes (``argus serve``, ``argus worker``, ``argus ingest run``) on free ports with its own
control schema (``argus_bench_ingest_control``, dropped at start and end) and work directory,
pre-encodes a 720p ~2.5 Mbit/s clip, and for each N runs N publishers
(``ffmpeg -re -stream_loop -1 -i clip.flv -c copy``) for the measuring window. Figures:

- CPU from ``/proc/<pid>/stat`` deltas over the window (not lifetime averages): nginx (master +
  worker) per camera, the node agent (with its thumbnail ffmpegs), the control plane, the
  general worker, and the publishers separately;
- playlist freshness: every 2 s, each camera's newest listed segment must be younger than
  2 × the fragment length; the share of fresh playlists (worst sample) is printed;
- peak resident memory (``VmRSS``) over the window of nginx, the agent with its ffmpegs, the
  control plane and the worker (the Kubernetes requests in deploy/k8s/ come from these);
- callback latency (server-side, from the control plane's request log), p50/p99 per callback;
- publish → first playable playlist (median of 5, live-encoded publisher, 2 s GOP), and the
  live latency of a player joining 3 segments back.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/common.py
from common import cpu_seconds, descendants, drop_schemas, free_port, rss_bytes  # noqa: E402

from argus.platform.audit.service import Audit, RequestMeta
from argus.platform.cameras.service import CameraService
from argus.platform.cli.commands import migrate_control
from argus.platform.core.logging import configure_logging
from argus.platform.core.settings import Settings
from argus.platform.ingest.signing import signed_hls_path
from argus.platform.services import Services
from argus.tenants.context import TenantContext
from argus.tenants.service import TenantSpec

BIN = Path(sys.executable).parent
CONTROL = "argus_bench_ingest_control"
TENANT = "bench-ingest"
FRAGMENT = 2  # the clip's keyframe interval, hence its fragment length (nginx: 1 s minimum)
HLS_DELAY = 0.7  # nginx-rtmp adds NGX_RTMP_HLS_DELAY (63000 / 90 kHz) to every HLS timestamp



async def prepare(settings: Settings, cameras: int) -> tuple[TenantContext, list[tuple[str, str]]]:
    await drop_schemas(settings, CONTROL, "argus_t_bench_ingest")
    services = Services.build(settings)
    try:
        await migrate_control(services)
        row, _ = await services.tenant_service.put(TENANT, TenantSpec(name="Bench ingest"))
        tenant = await services.resolver.load(row.id)
        made = []
        async with services.dbs.tenant_session(tenant) as session:
            service = CameraService(session, tenant, Audit(session, None, RequestMeta()),
                                    services.dbs, settings.ingest.rtmp_url)
            for i in range(cameras):
                # nginx records every stream either way; with record off the agent probes
                # each piece and discards it (no finalizing: bench/recording measures that)
                created = await service.create({"name": f"bench {i}", "record": False})
                made.append((created.camera.id, created.ingest.stream_key))
        return tenant, made
    finally:
        await services.close()


def make_clip(path: Path) -> None:
    subprocess.run(
        ["ffmpeg", "-y", "-hide_banner", "-loglevel", "error",
         "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "20",
         "-c:v", "libx264", "-preset", "veryfast", "-b:v", "2400k", "-maxrate", "2500k",
         "-bufsize", "5000k", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", "-f", "flv", str(path)],
        check=True)


def wait_http(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def playlist_age(hls: Path, stream: str) -> float | None:
    """Seconds since the newest listed segment was written, or None without a playlist."""
    directory = hls / stream
    try:
        lines = (directory / "index.m3u8").read_text().splitlines()
        newest = [line for line in lines if line and not line.startswith("#")][-1]
        return time.time() - (directory / newest).stat().st_mtime
    except (OSError, IndexError):
        return None


def stop(proc: subprocess.Popen, sig: int = signal.SIGINT) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0


def callback_latency(log: Path, since: float) -> dict[str, tuple[int, float, float]]:
    by_route: dict[str, list[float]] = {}
    for line in log.read_text(errors="replace").splitlines():
        if not line.startswith("{") or '"http.request"' not in line:
            continue
        entry = json.loads(line)
        route = entry.get("route", "")
        if not route.startswith("/internal/rtmp/"):
            continue
        stamp = entry.get("timestamp", "")
        if stamp and time.mktime(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone \
                < since - 1:
            continue
        by_route.setdefault(route.rsplit("/", 1)[1], []).append(entry["duration_ms"])
    return {name: (len(v), statistics.median(v), percentile(v, 0.99))
            for name, v in sorted(by_route.items())}


def run_load(n: int, seconds: float, cams: list[tuple[str, str]], clip: Path, rtmp_port: int,
             hls: Path, pids: dict[str, int], server_log: Path) -> dict:
    publishers = []
    wall_start = time.time()
    for _, key in cams[:n]:
        publishers.append(subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
             "-i", str(clip), "-c", "copy", "-f", "flv",
             f"rtmp://127.0.0.1:{rtmp_port}/live/{key}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(0.02)
    streams = [f"{TENANT}__{camera_id}" for camera_id, _ in cams[:n]]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and sum(
            playlist_age(hls, s) is not None for s in streams) < n:
        time.sleep(0.5)
    time.sleep(4)  # settle
    nginx_pids = [pids["nginx"], *descendants(pids["nginx"])]
    measured = {
        "nginx": lambda: sum(cpu_seconds(p) for p in nginx_pids),
        "agent": lambda: cpu_seconds(pids["node"], children=True),
        "control": lambda: cpu_seconds(pids["server"]),
        "worker": lambda: cpu_seconds(pids["worker"]),
        "publishers": lambda: sum(cpu_seconds(p.pid) for p in publishers),
    }
    resident = {  # peak resident memory over the window; the agent with its ffmpegs
        "nginx": lambda: sum(rss_bytes(p) for p in nginx_pids),
        "agent": lambda: sum(rss_bytes(p) for p in [pids["node"], *descendants(pids["node"])]
                             if p not in nginx_pids),
        "control": lambda: rss_bytes(pids["server"]),
        "worker": lambda: rss_bytes(pids["worker"]),
    }
    peak = dict.fromkeys(resident, 0)
    before = {k: f() for k, f in measured.items()}
    started = time.monotonic()
    worst_fresh, samples, all_fresh = 1.0, 0, 0
    while time.monotonic() - started < seconds:
        for name, read in resident.items():
            peak[name] = max(peak[name], read())
        ages = [playlist_age(hls, s) for s in streams]
        fresh = sum(a is not None and a < 2 * FRAGMENT for a in ages) / n
        worst_fresh = min(worst_fresh, fresh)
        samples += 1
        all_fresh += fresh == 1.0
        time.sleep(2)
    window = time.monotonic() - started
    after = {k: f() for k, f in measured.items()}
    alive = sum(p.poll() is None for p in publishers)
    for proc in publishers:
        stop(proc, signal.SIGTERM)
    cpu = {k: (after[k] - before[k]) / window * 100 for k in measured}  # % of one core
    return {"n": n, "window": window, "cpu": cpu, "rss": peak, "worst_fresh": worst_fresh,
            "samples": samples, "all_fresh": all_fresh, "publishers_alive": alive,
            "callbacks": callback_latency(server_log, wall_start)}


def start_time(url: str) -> float:
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=start_time",
                            "-of", "csv=p=0", url], capture_output=True, text=True, timeout=20)
    return float(probe.stdout.strip())


def first_playable(cams: list[tuple[str, str]], rtmp_port: int, http_port: int,
                   hls_secret: str, gop: int) -> tuple[list[float], float | None]:
    """Publish → first playlist with a segment (one run per camera given), and the live
    latency of a player that joins 3 segments back, ~15 s into the first stream: now minus
    the capture time of that segment's first frame (publisher start + its media time; HLS
    timestamps are the RTMP ones plus nginx-rtmp's fixed delay). ``gop`` in frames at 25 fps."""
    times, latency = [], None
    for camera_id, key in cams:
        stream = f"{TENANT}__{camera_id}"
        url = f"http://127.0.0.1:{http_port}" + signed_hls_path(hls_secret, stream)
        base = url.rsplit("/", 1)[0]
        t0 = time.time()
        proc = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
             "testsrc2=size=1280x720:rate=25", "-c:v", "libx264", "-preset", "ultrafast",
             "-tune", "zerolatency", "-g", str(gop), "-pix_fmt", "yuv420p", "-f", "flv",
             f"rtmp://127.0.0.1:{rtmp_port}/live/{key}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        playable = False
        while time.time() - t0 < 20:
            try:
                answer = httpx.get(url, timeout=2)
                if answer.status_code == 200 and ".ts" in answer.text:
                    times.append(time.time() - t0)
                    playable = True
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        if latency is None and playable:
            time.sleep(max(0.0, 15 - (time.time() - t0)))
            segments = [x for x in httpx.get(url, timeout=2).text.splitlines()
                        if x.endswith(".ts")]
            media = start_time(f"{base}/{segments[-3]}") - HLS_DELAY
            latency = time.time() - (t0 + media)
        stop(proc)
    return times, latency


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="25,50,100,200")
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",") if c.strip()]
    configure_logging(json=False, level="warning")
    tmp = Path(tempfile.mkdtemp(prefix="argus-bench-ingest-"))
    work = tmp / "node"
    work.mkdir()
    api_port, rtmp_port, http_port = free_port(), free_port(), free_port()
    hls_secret = "bench-hls-secret-0123456789"
    env = {**os.environ, "ARGUS_CONTROL_SCHEMA": CONTROL,
           "ARGUS_STORAGE_ROOT": str(tmp / "storage"), "ARGUS_STORAGE_BACKEND": "local",
           "ARGUS_JWT_SECRETS": "bench-only-jwt-signing-key-0123456789abcdef",
           "ARGUS_HLS_SECRET": hls_secret, "ARGUS_NODE_SECRET": secrets.token_urlsafe(24),
           "ARGUS_LOG_JSON": "true", "ARGUS_LOG_LEVEL": "info"}
    os.environ.update({k: env[k] for k in ("ARGUS_CONTROL_SCHEMA", "ARGUS_STORAGE_ROOT",
                                           "ARGUS_STORAGE_BACKEND", "ARGUS_HLS_SECRET")})
    settings = Settings.from_env()
    total = max(counts, default=0) + 10
    print(f"preparing {total} cameras and a 720p clip ...", flush=True)
    tenant, cams = asyncio.run(prepare(settings, total))
    clip = tmp / "clip.flv"
    make_clip(clip)
    bitrate = float(subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                                    "format=bit_rate", "-of", "csv=p=0", str(clip)],
                                   capture_output=True, text=True).stdout.strip()) / 1e6
    logs = {name: (tmp / f"{name}.log").open("w") for name in ("server", "worker", "node")}
    procs = {
        # debug: the request log lines of successful callbacks (what callback_latency reads)
        "server": subprocess.Popen([str(BIN / "argus"), "serve", "--port", str(api_port)],
                                   env={**env, "ARGUS_LOG_LEVEL": "debug"},
                                   stdout=logs["server"], stderr=subprocess.STDOUT),
        "worker": subprocess.Popen([str(BIN / "argus"), "worker"], env=env,
                                   stdout=logs["worker"], stderr=subprocess.STDOUT),
    }
    wait_http(f"http://127.0.0.1:{api_port}/healthz", 30)
    procs["node"] = subprocess.Popen(
        [str(BIN / "argus"), "ingest", "run", "--node", "bench-node", "--work-dir", str(work),
         "--control-url", f"http://127.0.0.1:{api_port}",
         "--rtmp-listen", f"127.0.0.1:{rtmp_port}", "--http-listen", f"127.0.0.1:{http_port}",
         "--piece-minutes", "1"], env=env, stdout=logs["node"], stderr=subprocess.STDOUT)
    wait_http(f"http://127.0.0.1:{http_port}/healthz", 30)
    nginx_pid = int((work / "nginx.pid").read_text())
    pids = {"nginx": nginx_pid, **{k: p.pid for k, p in procs.items()}}
    results = []
    try:
        playable, latency = first_playable(cams[-10:-5], rtmp_port, http_port, hls_secret,
                                           gop=50)
        playable_1s, latency_1s = first_playable(cams[-5:], rtmp_port, http_port, hls_secret,
                                                 gop=25)
        for n in counts:
            print(f"N = {n}: publishing for {args.seconds:.0f} s ...", flush=True)
            results.append(run_load(n, args.seconds, cams, clip, rtmp_port, work / "hls",
                                    pids, tmp / "server.log"))
            time.sleep(5)
    finally:
        for name in ("node", "worker", "server"):
            stop(procs[name])
        asyncio.run(drop_schemas(settings, CONTROL, "argus_t_bench_ingest"))
    cores = os.cpu_count()
    print(f"\nbench/ingest — {time.strftime('%Y-%m-%d %H:%M')}, {cores} cores, "
          f"clip 1280x720 25 fps {bitrate:.2f} Mbit/s (H.264 + AAC, 2 s GOP), HLS fragments "
          f"{FRAGMENT} s (hls_fragment 1 s, cut at the clip's keyframes), recording on "
          f"(1-minute chunks), window {args.seconds:.0f} s")
    print("| N | nginx % core / camera | nginx total | agent | control plane | worker | "
          "publishers / camera | fresh playlists (worst sample; samples all fresh) | "
          "publishers alive |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        c = r["cpu"]
        print(f"| {r['n']} | {c['nginx'] / r['n']:.2f} % | {c['nginx']:.1f} % | "
              f"{c['agent']:.1f} % | {c['control']:.1f} % | {c['worker']:.1f} % | "
              f"{c['publishers'] / r['n']:.2f} % | {r['worst_fresh'] * 100:.0f} % "
              f"({r['all_fresh']}/{r['samples']}) | {r['publishers_alive']}/{r['n']} |")
    print("\npeak resident memory over the window, MiB (the agent with its thumbnail and "
          "finalizing ffmpegs):")
    print("| N | nginx | agent | control plane | worker |")
    print("|---|---|---|---|---|")
    for r in results:
        m = {k: v / 2**20 for k, v in r["rss"].items()}
        print(f"| {r['n']} | {m['nginx']:.0f} | {m['agent']:.0f} | {m['control']:.0f} | "
              f"{m['worker']:.0f} |")
    print("\ncallback latency at the control plane (count, p50 ms, p99 ms):")
    for r in results:
        parts = ", ".join(f"{name} {count} / {p50:.1f} / {p99:.1f}"
                          for name, (count, p50, p99) in r["callbacks"].items())
        print(f"  N = {r['n']}: {parts or 'none logged'}")
    for gop, runs, lat in (("2 s", playable, latency), ("1 s", playable_1s, latency_1s)):
        print(f"\npublisher GOP {gop}: publish -> first playable playlist median "
              f"{statistics.median(runs):.2f} s (runs: {', '.join(f'{t:.2f}' for t in runs)})"
              + (f"; live latency joining 3 segments back {lat:.1f} s" if lat else ""))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
