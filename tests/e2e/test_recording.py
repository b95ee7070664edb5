"""Continuous recording end to end: real nginx-rtmp records 1-minute chunks, the node agent
finalizes them into the tenant's bucket, and the timeline has a gap only where the camera was
really gone (a publisher killed and restarted inside the grace period)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.e2e.stack import next_event, stop, wait_for
from tests.integration.conftest import bearer, login


def _at(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


async def test_chunks_match_the_wall_clock_and_a_reconnect_loses_nothing(
        stack, client_for, tenant_a, tmp_path):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    created = (await client.post("/api/v1/cameras", headers=bearer(tenant_a, admin),
                                 json={"name": "Recorded", "record": True,
                                       "chunk_minutes": 1})).json()
    camera_id, key = created["camera"]["id"], created["ingest"]["stream_key"]
    events = await stack.events(tenant_a, admin)
    try:
        first_start = time.time()
        first = stack.publish(key, name="first")
        assert (await next_event(events, "recording-started", 15))["cameraId"] == camera_id
        await asyncio.sleep(max(0.0, first_start + 75 - time.time()))  # keep the socket alive
        first.send_signal(signal.SIGKILL)  # the camera dies ...
        first.wait()
        killed = time.time()
        second = stack.publish(key, name="second")  # ... and is back at once
        restarted = time.time()
        await asyncio.sleep(max(0.0, restarted + 75 - time.time()))
        second.send_signal(signal.SIGINT)
        second.wait(10)
        stopped = time.time()
        completed = await next_event(events, "recording-completed", 30)
        assert completed["cameraId"] == camera_id
    finally:
        await events.close()

    def finalized():
        items = stack.call(tenant_a, admin, "GET", "/api/v1/recordings",
                           params={"camera_id": camera_id, "limit": 50}).json()["items"]
        covered = sum(r["duration_s"] for r in items)
        return items if len(items) >= 4 and covered > (stopped - first_start) - 6 else None

    rows = sorted(wait_for(finalized, 60, "four finalized chunks"), key=lambda r: r["started_at"])
    assert all(r["state"] == "ready" and r["video_codec"] == "h264" for r in rows), rows
    spans = [(_at(r["started_at"]), _at(r["ended_at"])) for r in rows]
    for (start, end), row in zip(spans, rows, strict=True):
        assert abs((end - start) - row["duration_s"]) < 0.01
    # The first chunk starts when the camera did (ffmpeg's own start-up aside).
    assert 0 <= spans[0][0] - first_start < 2.0
    # Full chunks last the chunk length (1 minute), the last one ends when the camera stopped.
    full = [end - start for start, end in spans if end - start > 30]
    assert len(full) == 2 and all(abs(seconds - 60) <= 2 for seconds in full), spans
    assert abs(spans[-1][1] - stopped) < 2.0
    # Gaps: none between chunks of one session; across the reconnect, no longer than the
    # outage (kill → new publisher's first frames).
    gaps = [b[0] - a[1] for a, b in zip(spans, spans[1:], strict=False)]
    big = [g for g in gaps if g > 0.5]
    assert len(big) <= 1 and all(g >= -0.5 for g in gaps), gaps  # no overlaps either
    outage = restarted - killed + 1.5  # + the new ffmpeg's start-up
    assert all(g <= outage for g in big), (gaps, outage)
    covered = sum(end - start for start, end in spans)
    assert abs(covered - (stopped - first_start)) <= outage + 2.0

    # The timeline agrees: one gap at most, inside the window; the MP4s play.
    timeline = stack.call(tenant_a, admin, "GET", f"/api/v1/cameras/{camera_id}/timeline",
                          params={"from": rows[0]["started_at"],
                                  "to": rows[-1]["ended_at"]}).json()
    assert len(timeline["gaps"]) <= 1
    url = stack.call(tenant_a, admin, "GET",
                     f"/api/v1/recordings/{rows[0]['id']}/download").json()["url"]
    mp4 = tmp_path / "chunk.mp4"
    link = urlsplit(url)  # on the tenant's host, which only Chromium resolves by itself
    assert link.hostname == tenant_a.host
    mp4.write_bytes(httpx.get(f"{stack.api}{link.path}?{link.query}",
                              headers={"Host": tenant_a.host}, timeout=30).content)
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                            "-of", "csv=p=0", str(mp4)], capture_output=True, text=True)
    assert abs(float(probe.stdout) - rows[0]["duration_s"]) < 0.5, probe.stderr
    # Nothing is left on the node's disk.
    assert not list((stack.work / "rec").glob("*.flv"))


async def test_a_node_killed_while_finalizing_leaves_one_row_and_one_object(
        stack, client_for, tenant_a, tmp_path):
    """SIGKILL the node agent (and so nginx's parent) in the middle of finalizing a chunk;
    started again, it finalizes what is on its disk: one row, one object."""
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    camera_id = (await client.post("/api/v1/cameras", headers=bearer(tenant_a, admin),
                                   json={"name": "Crashy", "record": True})).json()[
        "camera"]["id"]
    # A big chunk, as if nginx had just closed it: 90 s of 720p (remuxing takes a moment).
    chunk = stack.work / "rec" / f"{tenant_a.slug}__{camera_id}-1795000000.flv"
    subprocess.run(["ffmpeg", "-y", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "testsrc2=size=1280x720:rate=25:duration=10", "-c:v", "libx264",
                    "-preset", "ultrafast", "-b:v", "4M", "-g", "25", "-pix_fmt", "yuv420p",
                    "-f", "flv", str(tmp_path / "ten.flv")], check=True)
    subprocess.run(["ffmpeg", "-y", "-hide_banner", "-loglevel", "error", "-stream_loop", "8",
                    "-i", str(tmp_path / "ten.flv"), "-c", "copy", "-f", "flv", str(chunk)],
                   check=True)
    node = stack.procs["node"]
    stop(node)  # a clean stop first, so that the next start finds the chunk at start-up
    stack.start_node(wait=False)  # it finalizes leftovers before nginx starts
    part = chunk.with_suffix(".mp4.part")
    closed = chunk.with_name(chunk.name + ".closed")
    wait_for(lambda: part.exists() or not (chunk.exists() or closed.exists()), 30,
             "finalizing to begin", 0.005)
    stack.procs["node"].send_signal(signal.SIGKILL)  # in the middle of start-up recovery
    assert chunk.exists() or closed.exists(), "finalizing was over before the kill"
    stack.procs["node"].wait()
    stack.start_node()  # stops the orphaned nginx, then finalizes what is on disk

    def finalized():
        items = stack.call(tenant_a, admin, "GET", "/api/v1/recordings",
                           params={"camera_id": camera_id}).json()["items"]
        return items if items and not (chunk.exists() or closed.exists()) else None

    rows = wait_for(finalized, 60, "the chunk finalized after the restart")
    # A duplicate could only come from what is left on the node's disk: nothing of this
    # camera is (no piece, no sidecar, no half-made MP4), and the one row is the recording.
    left = [p.name for p in (stack.work / "rec").iterdir() if camera_id in p.name]
    assert left == [], left
    assert len(rows) == 1 and rows[0]["state"] == "ready" and rows[0]["duration_s"] > 80
    bucket = stack.storage_root / f"argus-t-{tenant_a.slug}" / "recordings"
    assert len(list(bucket.rglob(f"{camera_id}/*.mp4"))) == 1
    assert not list((stack.work / "rec").glob("*.part"))

    # Killed again while nginx runs: nginx is orphaned and holds the ports; the next start
    # stops it and runs its own.
    orphan = int((stack.work / "nginx.pid").read_text())
    stack.procs["node"].send_signal(signal.SIGKILL)
    stack.procs["node"].wait()
    assert Path(f"/proc/{orphan}").exists()
    stack.start_node()
    wait_for(lambda: not Path(f"/proc/{orphan}").exists(), 20, "the orphaned nginx to go")

    def new_nginx():  # nginx creates its pid file, then writes it: missing or empty is "not yet"
        try:
            text = (stack.work / "nginx.pid").read_text().strip()
        except FileNotFoundError:
            return False
        return text.isdigit() and int(text) != orphan

    wait_for(new_nginx, 20, "a new nginx")
