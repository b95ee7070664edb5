"""Live streaming end to end: real nginx-rtmp, ffmpeg publishers, a GStreamer RTSP camera, and
the platform's own processes (``argus serve``, ``argus worker``, ``argus ingest run``)."""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest
import websockets
from sqlalchemy import select

from argus.platform.ingest.models import IngestNode
from argus.platform.ingest.signing import signed_hls_path
from tests.e2e.stack import GRACE, LiveStack, free_port, next_event, stop, wait_for
from tests.integration.conftest import bearer, login

RTSP_CAMERA = Path(__file__).with_name("rtsp_camera.py")


async def _camera(client, tenant, admin, **fields) -> tuple[str, str | None]:
    response = await client.post("/api/v1/cameras", headers=bearer(tenant, admin),
                                 json={"name": "Synthetic", **fields})
    assert response.status_code == 201, response.text
    body = response.json()
    return body["camera"]["id"], (body["ingest"] or {}).get("stream_key")


async def test_a_synthetic_camera_goes_live_under_its_internal_name(
        stack, client_for, tenant_a, tenant_b):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    b_admin = (await login(client, tenant_b))["access_token"]
    camera_id, key = await _camera(client, tenant_a, admin)
    other_id, other_key = await _camera(client, tenant_a, admin)
    created = (await client.get(f"/api/v1/cameras/{camera_id}",
                                headers=bearer(tenant_a, admin))).json()
    assert created["ingest_node_id"] == stack.node_id  # the live node took it

    # A wrong key is refused, and so is a good key asking to publish under another name: each
    # attempt is one publish callback the control plane answered 403 (not some other failure).
    refusals = stack.refused_publishes()
    for key_, query in (("not-a-key", ""), (key, f"name={tenant_a.slug}__{other_id}"),
                        (key, f"name={other_key}")):
        assert stack.publish(key_, query, name="sneaky").wait(20) != 0
        refusals += 1
        wait_for(lambda n=refusals: stack.refused_publishes() == n, 5, f"refusing {query!r}")

    socket_a = await stack.events(tenant_a, admin)
    socket_b = await stack.events(tenant_b, b_admin)
    try:
        # Events need cameras:read: a token without it, or no credentials, gets no socket.
        narrow = (await client.post("/api/v1/api-tokens", headers=bearer(tenant_a, admin),
                                    json={"name": "narrow", "scopes": ["users:read"]})).json()
        for token in (narrow["secret"], None):
            with pytest.raises((websockets.exceptions.InvalidStatus,
                                websockets.exceptions.ConnectionClosed)):
                refused = await stack.events(tenant_a, token)
                await asyncio.wait_for(refused.recv(), 5)

        stack.publish(key)
        event = await next_event(socket_a, "camera-status", 10)
        assert event["cameraId"] == camera_id and event["status"] == "online"
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(socket_b.recv(), 0.5)
    finally:
        await socket_a.close()
        await socket_b.close()

    # Live facts from nginx's stat, and a thumbnail, arrive from the node agent.
    status = wait_for(lambda: (lambda s: s if s["live"]["width"] else None)(
        stack.status(tenant_a, admin, camera_id)), 15, "live facts")
    assert status["live"]["video_codec"] == "H264" and status["live"]["height"] == 240
    assert status["live"]["fps"] == 25.0
    thumb = wait_for(lambda: (lambda r: r if r.status_code == 200 else None)(
        stack.call(tenant_a, admin, "GET", f"/api/v1/cameras/{camera_id}/thumbnail")),
        20, "a thumbnail")
    assert thumb.headers["content-type"] == "image/jpeg" and thumb.content[:2] == b"\xff\xd8"

    # The signed HLS URL plays; tampering is refused by nginx.
    stream = f"{tenant_a.slug}__{camera_id}"
    answer = stack.call(tenant_a, admin, "GET", f"/api/v1/streaming/hls/{camera_id}")
    assert answer.status_code == 200, answer.text
    url = answer.json()["url"]
    assert url.startswith(f"http://127.0.0.1:{stack.http_port}/s/") and key not in url
    signed = url.removeprefix(f"http://127.0.0.1:{stack.http_port}")
    assert signed.endswith(f"/{stream}/index.m3u8")
    assert signed == signed_hls_path(stack.hls_secret, stream, ttl=0,
                                     now=int(signed.split("/")[3]))
    served = wait_for(lambda: (lambda r: r if r.status_code == 200 else None)(
        httpx.get(url, timeout=5)), 15, "the playlist")
    assert "#EXTM3U" in served.text
    segment = next(line for line in served.text.splitlines()
                   if line and not line.startswith("#"))
    media = httpx.get(f"http://127.0.0.1:{stack.http_port}{signed.rsplit('/', 1)[0]}/{segment}",
                      timeout=5)
    assert media.status_code == 200 and media.content[:1] == b"\x47"
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name",
                            "-of", "csv=p=0", url], capture_output=True, text=True, timeout=30)
    assert probe.stdout.strip().splitlines()[0] == "h264", probe.stderr
    assert httpx.get(f"http://127.0.0.1:{stack.http_port}/s/x/1/{stream}/index.m3u8"
                     ).status_code == 403
    # Stat and control answer the node's own host only (nginx allows 127.0.0.1 — the test
    # runs there, so it can only check they exist).
    assert httpx.get(f"http://127.0.0.1:{stack.http_port}/stat").status_code == 200

    # Tenant B reaches none of A's camera: record, status, thumbnail, playback URL.
    for suffix in ("", "/status", "/thumbnail"):
        assert stack.call(tenant_b, b_admin, "GET",
                          f"/api/v1/cameras/{camera_id}{suffix}").status_code == 404
    assert stack.call(tenant_b, b_admin, "GET",
                      f"/api/v1/streaming/hls/{camera_id}").status_code == 404

    stack.close()
    # The key is in no file name under the node's directories and in no log line.
    names = [str(p) for p in stack.work.rglob("*")]
    assert any(stream in name for name in names)
    assert not any(key in name for name in names)
    assert key not in stack.all_logs().replace(f"live/{key}", "")  # the publishers' own URLs


async def test_offline_only_after_the_grace_period(stack, client_for, tenant_a):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    camera_id, key = await _camera(client, tenant_a, admin)
    socket_ = await stack.events(tenant_a, admin)
    try:
        publisher = stack.publish(key)
        assert (await next_event(socket_, "camera-status", 10))["status"] == "online"
        # Killed and back within the grace period: no outage, no event.
        publisher.send_signal(signal.SIGKILL)
        publisher.wait()
        stack.publish(key, name="again")
        with pytest.raises(TimeoutError):
            await next_event(socket_, "camera-status", GRACE + 3)
        assert stack.status(tenant_a, admin, camera_id)["status"] == "online"
        # Killed for good: offline once the grace period is over, not before.
        stack.publishers[-1].send_signal(signal.SIGKILL)
        killed = time.monotonic()
        event = await next_event(socket_, "camera-status", GRACE + 10)
        assert event["status"] == "offline" and time.monotonic() - killed >= GRACE - 0.5
    finally:
        await socket_.close()


async def test_a_stalled_session_does_not_lock_its_camera_out(stack, client_for, tenant_a):
    """A camera whose old connection hangs (no data, socket open) reconnects: nginx drops the
    idle publisher (drop_idle_publisher) and the new session gets in."""
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    camera_id, key = await _camera(client, tenant_a, admin)
    stalled = stack.publish(key, name="stalled")
    stack.wait_status(tenant_a, admin, camera_id, "online", timeout=15)
    stalled.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        attempt = 0
        while True:  # like a camera, retry every couple of seconds
            attempt += 1
            retry = stack.publish(key, name=f"retry{attempt}")
            try:
                retry.wait(3)  # refused ("already publishing") while the stale one holds on
            except subprocess.TimeoutExpired:
                break  # still publishing after 3 s: it got in
            assert time.monotonic() - started < 30, "locked out by its own stale session"
        status = stack.status(tenant_a, admin, camera_id)
        assert status["status"] == "online"
    finally:
        stalled.send_signal(signal.SIGKILL)
        stalled.wait()


async def test_rotating_the_key_drops_the_live_publisher(stack, client_for, tenant_a):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    camera_id, key = await _camera(client, tenant_a, admin)
    publisher = stack.publish(key)
    stack.wait_status(tenant_a, admin, camera_id, "online", timeout=15)
    rotated = stack.call(tenant_a, admin, "POST", f"/api/v1/cameras/{camera_id}/stream-key")
    assert rotated.status_code == 200
    assert publisher.wait(10) != 0  # dropped by its node at once
    stack.wait_status(tenant_a, admin, camera_id, "offline", timeout=GRACE + 10)
    assert stack.publish(key, name="old-key").wait(20) != 0
    stack.publish(rotated.json()["stream_key"], name="new-key")
    stack.wait_status(tenant_a, admin, camera_id, "online", timeout=15)


async def test_publishing_fails_closed_while_the_control_plane_is_down(stack, client_for,
                                                                       tenant_a):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    camera_id, key = await _camera(client, tenant_a, admin)
    stop(stack.procs["server"])
    assert stack.publish(key, name="refused").wait(20) != 0
    stack.start_server()
    stack.publish(key, name="accepted")
    stack.wait_status(tenant_a, admin, camera_id, "online", timeout=15)


async def test_an_unwritable_recording_directory_is_reported(tmp_path, tmp_root, services,
                                                             client_for, tenant_a):
    if os.geteuid() != 0:
        pytest.skip("needs root to run nginx as another user")  # CI runs as root
    # nginx runs as the work directory's owner: nobody, here. The directory must be
    # reachable by nobody, so it cannot live under pytest's private tmp directory.
    work = Path(tempfile.mkdtemp(prefix="argus-node-", dir="/tmp"))
    nobody = pwd.getpwnam("nobody")
    os.chmod(work, 0o755)
    os.chown(work, nobody.pw_uid, nobody.pw_gid)
    live = LiveStack(tmp_path, tmp_root, work_dir=work)
    try:
        await live.start(services)
        client = client_for()
        admin = (await login(client, tenant_a))["access_token"]
        camera_id, key = await _camera(client, tenant_a, admin, record=True)
        socket_ = await live.events(tenant_a, admin)
        try:
            live.publish(key)
            assert (await next_event(socket_, "camera-status", 10))["status"] == "online"
            os.chown(work / "rec", 0, 0)
            os.chmod(work / "rec", 0o755)  # nginx (nobody) can no longer write recordings
            alert = await next_event(socket_, "system-alert", 15)
        finally:
            await socket_.close()
        assert "rec/" in alert["message"] and "recordings are being lost" in alert["message"]
        async with services.dbs.control_session() as session:
            node = await session.scalar(select(IngestNode).where(IngestNode.id == live.node_id))
        assert node.problems and "rec/" in node.problems
        assert "ingest.node_problem" in live.logs["node"].read_text()
    finally:
        live.close()
        shutil.rmtree(work, ignore_errors=True)


async def test_an_rtsp_camera_is_pulled_and_comes_back_by_itself(stack, client_for, tenant_a):
    port = free_port()
    source_cmd = ["/usr/bin/python3", str(RTSP_CAMERA), str(port), "cam", "s3cret-pw"]
    source = subprocess.Popen(source_cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert source.stdout.readline().strip() == b"ready"
        client = client_for()
        admin = (await login(client, tenant_a))["access_token"]
        camera_id, key = await _camera(
            client, tenant_a, admin, ingest_mode="rtsp_pull",
            rtsp_url=f"rtsp://cam:s3cret-pw@127.0.0.1:{port}/cam")
        assert key is None
        stack.wait_status(tenant_a, admin, camera_id, "online", timeout=30)
        # The source goes away: the camera drops to error (or offline), with a masked reason.
        stop(source, signal.SIGTERM)
        # (three quick failures in a row: error, with ffmpeg's reason, masked)
        gone = stack.wait_status(tenant_a, admin, camera_id, "error", timeout=GRACE + 30)
        assert gone["status_reason"].startswith("RTSP source unreachable")
        assert "s3cret-pw" not in gone["status_reason"]
        # It comes back: online again without anyone doing anything.
        source = subprocess.Popen(source_cmd, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL)
        assert source.stdout.readline().strip() == b"ready"
        stack.wait_status(tenant_a, admin, camera_id, "online", timeout=30)
    finally:
        stop(source, signal.SIGTERM)
    stack.close()
    assert "s3cret-pw" not in stack.all_logs()


async def test_abr_makes_a_ladder_no_higher_than_the_source(stack, client_for, tenant_a,
                                                            provider_key):
    client = client_for()
    moved = await client.patch(f"/provider/v1/tenants/{tenant_a.slug}", json={
        "plan": "professional"}, headers={"Host": "provider.localhost",
                                          "Authorization": f"Bearer {provider_key}"})
    assert moved.status_code == 200, moved.text  # a plan with ABR
    admin = (await login(client, tenant_a))["access_token"]
    camera_id, key = await _camera(client, tenant_a, admin, abr=True)
    url = f"rtmp://127.0.0.1:{stack.rtmp_port}/live/{key}"
    publisher = subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
         "testsrc2=size=1280x720:rate=10", "-c:v", "libx264", "-preset", "ultrafast",
         "-g", "10", "-pix_fmt", "yuv420p", "-f", "flv", url],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stack.publishers.append(publisher)
    status = wait_for(lambda: (lambda s: s if s["live"]["renditions"] else None)(
        stack.status(tenant_a, admin, camera_id)), 30, "renditions")
    assert status["live"]["renditions"] == ["720p", "480p"]
    answer = stack.call(tenant_a, admin, "GET", f"/api/v1/streaming/hls/{camera_id}").json()
    assert answer["renditions"] == ["720p", "480p"]
    master_url = answer["abr_url"]
    assert master_url.endswith("/abr.m3u8") and master_url.rsplit("/", 1)[0] == \
        answer["url"].rsplit("/", 1)[0]  # signed like the source: same token, same stream
    master = wait_for(lambda: (lambda r: r.text if r.status_code == 200 else None)(
        httpx.get(master_url, timeout=5)), 30, "the master playlist")
    assert "abr_720p.m3u8" in master and "abr_480p.m3u8" in master
    assert "RESOLUTION=1280x720" in master and "RESOLUTION=854x480" in master
    variant = master_url.rsplit("/", 1)[0] + "/abr_480p.m3u8"
    playlist = wait_for(lambda: (lambda r: r.text if r.status_code == 200 and ".ts" in r.text
                                 else None)(httpx.get(variant, timeout=5)), 30, "a rendition")
    segment = next(line for line in playlist.splitlines() if line.endswith(".ts"))
    media = httpx.get(variant.rsplit("/", 1)[0] + "/" + segment, timeout=5)
    assert media.status_code == 200 and media.content[:1] == b"\x47"
    # Off again: the transcoder stops and the renditions are gone.
    assert stack.call(tenant_a, admin, "PATCH", f"/api/v1/cameras/{camera_id}",
                      json={"abr": False}).status_code == 200
    wait_for(lambda: stack.status(tenant_a, admin, camera_id)["live"]["renditions"] is None,
             20, "renditions cleared")
    assert stack.call(tenant_a, admin, "GET",
                      f"/api/v1/streaming/hls/{camera_id}").json()["abr_url"] is None


async def test_suspending_a_tenant_drops_its_live_publishers_at_once(stack, client_for,
                                                                      tenant_a, services):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    camera_id, key = await _camera(client, tenant_a, admin, record=True)
    publisher = stack.publish(key)
    stack.wait_status(tenant_a, admin, camera_id, "online", timeout=20)
    await services.tenant_service.update(tenant_a.slug, state="suspended")
    try:
        # nginx drops the connection: the publisher (ffmpeg) ends with an error by itself.
        wait_for(lambda: publisher.poll() is not None, 15, "the publisher to be dropped")
        assert stack.publish(key, name="again").wait(20) != 0  # and cannot come back
    finally:
        await services.tenant_service.update(tenant_a.slug, state="active")


async def test_a_stream_over_the_plan_is_dropped_until_the_plan_allows_it(
        stack, client_for, tenant_a, provider_key):
    """The node measures the stream (320x240 here) against the plan's maximum height: over it,
    the publisher goes, the camera shows error/quota_exceeded and its next publish is
    refused; a plan that allows the height lets the same camera publish at once."""
    client = client_for()
    provider = {"Host": "provider.localhost", "Authorization": f"Bearer {provider_key}"}
    plan = f"small-{tenant_a.slug}"[:30]

    async def put_plan(height: int) -> None:
        answer = await client.put(f"/provider/v1/plans/{plan}", headers=provider,
                                  json={"max_height": height})
        assert answer.status_code in (200, 201), answer.text

    await put_plan(200)
    assert (await client.patch(f"/provider/v1/tenants/{tenant_a.slug}", headers=provider,
                               json={"plan": plan})).status_code == 200
    admin = (await login(client, tenant_a))["access_token"]
    camera_id, key = await _camera(client, tenant_a, admin)
    try:
        publisher = stack.publish(key, name="too-tall")
        assert publisher.wait(30) != 0  # dropped by its node once measured
        shown = stack.wait_status(tenant_a, admin, camera_id, "error", timeout=10)
        assert shown["status_reason"] == "quota_exceeded"
        refusals = stack.refused_publishes()
        assert stack.publish(key, name="still-too-tall").wait(20) != 0
        wait_for(lambda: stack.refused_publishes() > refusals, 5, "a refused publish")

        await put_plan(480)  # the control plane reads plans at most 2 s old
        time.sleep(2.5)
        stack.publish(key, name="allowed")
        stack.wait_status(tenant_a, admin, camera_id, "online", timeout=15)
    finally:
        await client.patch(f"/provider/v1/tenants/{tenant_a.slug}", headers=provider,
                           json={"plan": "standard"})
