"""Metrics of every process over a real run: ``argus serve --workers 2`` (their series add up
through the multiprocess directory, a killed worker's live gauges go, its counts stay), the
general worker's and the node agent's own ``/metrics``, after a camera publishes, is refused,
is viewed and records."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx

from argus.platform.ingest.metrics import NAMES as NODE_NAMES
from tests.e2e.stack import LiveStack, free_port, stop, wait_for
from tests.helpers import scrape, value
from tests.integration.conftest import bearer, login


def workers_of(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children
            if b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()]


async def test_every_process_serves_its_metrics_over_a_real_run(
        tmp_path, tmp_root, services, client_for, tenant_a):
    worker_port, node_port = free_port(), free_port()
    shared = tmp_path / "prom"
    stack = LiveStack(tmp_path, tmp_root, server_workers=2,
                      ARGUS_WORKER_METRICS_LISTEN=f"127.0.0.1:{worker_port}",
                      ARGUS_NODE_METRICS_LISTEN=f"127.0.0.1:{node_port}",
                      PROMETHEUS_MULTIPROC_DIR=str(shared))
    (shared).mkdir()
    (shared / "counter_999999.db").write_bytes(b"left by an earlier run")
    try:
        await stack.start(services)
        assert not (shared / "counter_999999.db").exists()  # emptied before the workers start
        control, node = f"{stack.api}/metrics", f"http://127.0.0.1:{node_port}/metrics"
        worker = f"http://127.0.0.1:{worker_port}/metrics"
        client = client_for()
        admin = (await login(client, tenant_a))["access_token"]
        created = await client.post("/api/v1/cameras", headers=bearer(tenant_a, admin),
                                    json={"name": "Metered", "record": True})
        assert created.status_code == 201, created.text
        camera_id = created.json()["camera"]["id"]
        key = created.json()["ingest"]["stream_key"]

        assert stack.publish("not-a-key", name="wrong").wait(20) != 0
        publisher = stack.publish(key)
        stack.wait_status(tenant_a, admin, camera_id, "online")
        url = stack.call(tenant_a, admin, "GET", f"/api/v1/streaming/hls/{camera_id}").json()[
            "url"]
        wait_for(lambda: httpx.get(url, timeout=5).status_code == 200, 15, "the playlist")

        seen = scrape(control)
        assert value(seen, "argus_publishes_total", result="accepted") >= 1
        assert value(seen, "argus_publishes_total", result="refused", reason="unknown_key") >= 1
        assert value(seen, "argus_cameras_online", node=stack.node_id) == 1
        assert value(seen, "argus_rtmp_callback_duration_seconds_count",
                     callback="publish") >= 2
        assert value(seen, "argus_http_requests_total",
                     route="/api/v1/streaming/hls/{camera_id}", status="200") >= 1
        assert value(seen, "argus_tenants", state="active") >= 1
        assert value(seen, "argus_tenant_cameras_online", tenant=tenant_a.slug) == 1
        assert value(seen, "argus_tenant_api_calls_total", tenant=tenant_a.slug) >= 1 or \
            wait_for(lambda: value(scrape(control), "argus_tenant_api_calls_total",
                                   tenant=tenant_a.slug) >= 1, 15, "API calls per tenant")

        at_node = wait_for(lambda: (lambda s: s if value(
            s, "argus_node_streams", app="internal") == 1 else None)(scrape(node)), 10,
            "the node's stream")
        assert value(at_node, "argus_node_nginx_up", node=stack.node_id) == 1
        listed = {name.removesuffix("_total") for name, *_ in at_node}
        assert NODE_NAMES <= listed, sorted(NODE_NAMES - listed)
        assert value(at_node, "argus_node_received_bytes_total") > 0
        assert value(at_node, "argus_node_sent_bytes_total") > 0
        assert value(at_node, "argus_node_recording_free_bytes") > 0
        assert value(at_node, "argus_node_thumbnail_batch_seconds_count") >= 1 or wait_for(
            lambda: value(scrape(node), "argus_node_thumbnail_batch_seconds_count") >= 1, 15,
            "a thumbnail batch")

        stop(publisher)  # the piece closes: the node finalizes it, the worker meters it
        wait_for(lambda: value(scrape(node), "argus_jobs_total",
                               function="finalize_recording", outcome="ok") >= 1, 30,
                 "a finalized piece")
        wait_for(lambda: value(scrape(worker), "argus_jobs_total",
                               function="camera_offline_check", outcome="ok") >= 1, 20,
                 "the offline check")
        wait_for(lambda: value(scrape(worker), "argus_job_duration_seconds_count",
                               function="reconcile_nodes") >= 1, 25,
                 "a node reconcile (a cron every 10 s)")
        wait_for(lambda: value(scrape(control), "argus_storage_bytes", tier="hot") > 0, 90,
                 "recorded bytes in the hot tier")

        # Two server processes, one set of numbers: counts never go down whichever answers.
        counts = [value(scrape(control), "argus_http_requests_total", route="/metrics")
                  for _ in range(6)]
        assert counts == sorted(counts) and counts[-1] > counts[0]
        server = stack.procs["server"]
        pids = workers_of(server.pid)
        assert len(pids) == 2, pids
        victim = pids[0]
        assert (shared / f"gauge_livesum_{victim}.db").exists()
        before = value(scrape(control), "argus_http_requests_total")
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: len(workers_of(server.pid)) == 2 and victim not in workers_of(
            server.pid), 30, "uvicorn to replace the killed worker")
        wait_for(lambda: httpx.get(f"{stack.api}/healthz", timeout=2).status_code == 200, 10,
                 "the server")
        after = scrape(control)
        assert not (shared / f"gauge_livesum_{victim}.db").exists()
        assert value(after, "argus_http_requests_total") >= before  # the dead one's counts
        assert value(after, "argus_http_requests_in_flight") >= 1  # this scrape, no ghosts

    finally:
        stack.close()
