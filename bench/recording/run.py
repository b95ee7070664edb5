"""Benchmark: finalizing recorded chunks (probe, remux to MP4 with -c copy, thumbnail,
checksum, upload, row) into an S3 endpoint.

Run: ``.venv/bin/python bench/recording/run.py [--chunks 40] [--long-minutes 60]`` after
``./scripts/test`` or ``./scripts/run`` has set up the services (it uses the test S3 endpoint,
moto's server on 127.0.0.1:9100, and its own control schema ``argus_bench_rec_control``,
dropped at start and end). Figures:

- throughput: N one-minute 720p ~2 Mbit/s chunks finalized with the node agent's concurrency
  (4), in chunks per minute, and the CPU of this process plus its ffmpeg children per chunk;
- one 60-minute chunk: wall time and CPU;
- CPU per recorded hour (this process + ffmpeg; moto's own CPU reported apart), against the
  target of < 1 % of the recorded duration, and how many cameras one node keeps up with.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/common.py
from common import cpu_seconds, drop_schemas  # noqa: E402

from argus.platform.cameras.models import Camera
from argus.platform.cli.commands import migrate_control
from argus.platform.core.logging import configure_logging
from argus.platform.core.settings import Settings
from argus.platform.recordings.finalize import Finalizer
from argus.platform.services import Services
from argus.tenants.service import TenantSpec

CONTROL = "argus_bench_rec_control"
TENANT = "bench-rec"
CONCURRENCY = 4  # the node agent's FINALIZE_CONCURRENCY


def cpu_self_and_children() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def moto_pid(port: int = 9100) -> int | None:
    for cmd in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            raw = cmd.read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"moto_server" in raw and str(port).encode() in raw:
            return int(cmd.parent.name)
    return None


def make_chunk(path: Path, seconds: int, clip: Path) -> None:
    loops = max(0, seconds // 10 - 1)
    subprocess.run(["ffmpeg", "-y", "-hide_banner", "-loglevel", "error", "-stream_loop",
                    str(loops), "-i", str(clip), "-c", "copy", "-f", "flv", str(path)],
                   check=True)


async def main_async(args) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="argus-bench-rec-"))
    os.environ.update({"ARGUS_CONTROL_SCHEMA": CONTROL, "ARGUS_STORAGE_BACKEND": "s3",
                       "ARGUS_S3_ENDPOINT_URL": "http://127.0.0.1:9100",
                       "ARGUS_S3_ACCESS_KEY_ID": "bench", "ARGUS_S3_SECRET_ACCESS_KEY": "bench",
                       "ARGUS_BUCKET_PREFIX": f"bench{uuid.uuid4().hex[:6]}-"})
    settings = Settings.from_env()
    await drop_schemas(settings, CONTROL, "argus_t_bench_rec")
    services = Services.build(settings)
    try:
        await migrate_control(services)
        row, _ = await services.tenant_service.put(TENANT, TenantSpec(name="Bench rec"))
        tenant = await services.resolver.load(row.id)
        # one camera per chunk, as on a node with many cameras (a camera's pieces are
        # finalized one at a time)
        cameras = [str(uuid.uuid4()) for _ in range(args.chunks + 1)]
        async with services.dbs.tenant_session(tenant) as s:
            s.add_all(Camera(id=c, name="bench", record=True, chunk_minutes=1) for c in cameras)
            await s.commit()
        camera_id = cameras[-1]
        clip = tmp / "ten.flv"
        subprocess.run(["ffmpeg", "-y", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
                        "-i", "testsrc2=size=1280x720:rate=25:duration=10", "-f", "lavfi", "-i",
                        "sine=frequency=440:sample_rate=44100:duration=10", "-c:v", "libx264",
                        "-preset", "veryfast", "-b:v", "1900k", "-maxrate", "2000k",
                        "-bufsize", "4000k", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac",
                        "-b:a", "96k", "-f", "flv", str(clip)], check=True)
        rec = tmp / "rec"
        rec.mkdir()
        template = tmp / "minute.flv"
        make_chunk(template, 60, clip)
        size_mb = template.stat().st_size / 1e6
        for i in range(args.chunks):
            target = rec / f"{TENANT}__{cameras[i]}-{1795000000 + i}.flv"
            shutil.copyfile(template, target)
            os.utime(target, (1795000000 + 60 * (i + 1),) * 2)
        finalizer = Finalizer(services, services.resolver, rec)
        chunks = finalizer.leftovers()
        moto = moto_pid()
        moto_before = cpu_seconds(moto) if moto else 0.0
        cpu_before, started = cpu_self_and_children(), time.monotonic()
        queue: asyncio.Queue = asyncio.Queue()
        for chunk in chunks:
            queue.put_nowait(chunk)

        async def worker() -> None:
            while not queue.empty():
                assert await finalizer.finalize(queue.get_nowait()) == "done"

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        wall = time.monotonic() - started
        cpu = cpu_self_and_children() - cpu_before
        moto_cpu = (cpu_seconds(moto) - moto_before) if moto else None

        long_chunk = rec / f"{TENANT}__{camera_id}-1796000000.flv"
        make_chunk(long_chunk, args.long_minutes * 60, clip)
        long_mb = long_chunk.stat().st_size / 1e6
        cpu_before, started = cpu_self_and_children(), time.monotonic()
        assert await finalizer.finalize(long_chunk) == "done"
        long_wall = time.monotonic() - started
        long_cpu = cpu_self_and_children() - cpu_before
    finally:
        await services.tenant_service.delete(TENANT)
        await services.close()
        await drop_schemas(settings, CONTROL, "argus_t_bench_rec")
        shutil.rmtree(tmp, ignore_errors=True)

    per_chunk = cpu / args.chunks
    per_hour = per_chunk * 60
    print(f"\nbench/recording — {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
          f"S3 = moto server on 127.0.0.1:9100, chunks 1280x720 25 fps H.264 + AAC "
          f"({size_mb:.1f} MB per minute, {size_mb * 8 / 60:.2f} Mbit/s)")
    print("| figure | result |")
    print("|---|---|")
    print(f"| {args.chunks} one-minute chunks, {CONCURRENCY} at a time | {wall:.1f} s: "
          f"{args.chunks / wall * 60:.0f} chunks per minute |")
    print(f"| CPU per one-minute chunk (finalizer + ffmpeg) | {per_chunk * 1000:.0f} ms "
          f"({per_chunk / 60 * 100:.2f} % of the recorded duration) |")
    if moto_cpu is not None:
        print(f"| moto's S3 server CPU per chunk (test endpoint, apart) | "
              f"{moto_cpu / args.chunks * 1000:.0f} ms |")
    print(f"| one {args.long_minutes}-minute chunk ({long_mb:.0f} MB) | {long_wall:.1f} s wall, "
          f"{long_cpu:.1f} s CPU ({long_cpu / (args.long_minutes * 60) * 100:.2f} % of its "
          f"duration) |")
    long_per_hour = long_cpu * 60 / args.long_minutes
    print(f"| CPU per recorded hour | {per_hour:.1f} s from 1-minute chunks, "
          f"{long_per_hour:.1f} s from {args.long_minutes}-minute chunks |")
    cameras = 3600 / per_hour if per_hour else 0
    print(f"| cameras one core keeps up with (1-minute chunks) | {cameras:.0f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=40)
    parser.add_argument("--long-minutes", type=int, default=60)
    args = parser.parse_args()
    configure_logging(json=False, level="warning")
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
