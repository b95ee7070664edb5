"""The pieces of the metrics that need no services: nginx's stat totals, waiting pieces, the
per-tenant top-N, job outcomes, the exporter's allow list, dead processes' live gauges."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import httpx
import pytest
from arq import Retry

from argus.platform.ingest.metrics import parse_totals, waiting_pieces
from argus.platform.observability.exporter import metrics_app, split_listen
from argus.platform.observability.metrics import _forget_dead_processes
from argus.platform.observability.series import JOBS, timed
from argus.platform.observability.snapshot import top

STAT = b"""<?xml version="1.0" encoding="utf-8" ?>
<rtmp><nginx_version>1.22.1</nginx_version><uptime>120</uptime><naccepted>4</naccepted>
<bw_in>800000</bw_in><bytes_in>123456</bytes_in><bw_out>400000</bw_out><bytes_out>65432</bytes_out>
<server>
<application><name>live</name><live>
 <stream><name>acme__11111111-1111-1111-1111-111111111111</name>
  <client><id>1</id><address>127.0.0.1</address><publishing/><active/></client>
  <nclients>1</nclients><publishing/><active/></stream>
 <nclients>1</nclients></live></application>
<application><name>internal</name><live>
 <stream><name>acme__11111111-1111-1111-1111-111111111111</name>
  <client><id>2</id><publishing/><active/></client>
  <client><id>3</id><address>10.0.0.9</address></client>
  <client><id>4</id><address>10.0.0.8</address></client>
  <nclients>3</nclients><publishing/><active/></stream>
 <stream><name>idle</name><nclients>0</nclients></stream>
 <nclients>3</nclients></live></application>
</server></rtmp>"""


def test_stat_totals_count_publishers_players_and_bytes():
    totals = parse_totals(STAT)
    assert (totals.bytes_in, totals.bytes_out) == (123456, 65432)
    assert totals.streams == {"live": 1, "internal": 1}
    assert totals.players == {"live": 0, "internal": 2}


def test_waiting_pieces_are_the_closed_ones(tmp_path):
    name = "acme__11111111-1111-1111-1111-111111111111"
    (tmp_path / f"{name}-100.flv").write_bytes(b"x")  # still being written
    old = tmp_path / f"{name}-200.flv.closed"
    old.write_bytes(b"x")
    (tmp_path / f"{name}-300.flv.closed").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("not a piece")
    os.utime(old, (time.time() - 90, time.time() - 90))
    count, lag = waiting_pieces(tmp_path, time.time())
    assert count == 2 and 89 < lag < 120
    assert waiting_pieces(tmp_path / "missing", time.time()) == (0, 0.0)


def test_top_keeps_the_largest_and_adds_up_the_rest():
    values = {f"t{i}": float(i) for i in range(10)}
    assert top(values, 3) == [("t9", 9.0), ("t8", 8.0), ("t7", 7.0), ("_other", 21.0)]
    assert top(values, 3, other=False) == [("t9", 9.0), ("t8", 8.0), ("t7", 7.0)]
    assert top({"a": 1.0}, 3) == [("a", 1.0)]


async def test_job_outcomes_are_counted_under_the_jobs_own_name():
    async def sample_job(ctx, how):
        if how == "fail":
            raise ValueError("no")
        if how == "retry":
            raise Retry(defer=1)
        if how == "hang":
            await asyncio.sleep(10)
        return how

    wrapped = timed(sample_job)
    assert wrapped.__name__ == wrapped.__qualname__.rsplit(".", 1)[-1] == "sample_job"

    def count(outcome):
        return JOBS.labels("sample_job", outcome)._value.get()

    before = {o: count(o) for o in ("ok", "failed", "retry", "cancelled")}
    assert await wrapped({}, "ok") == "ok"
    with pytest.raises(ValueError):
        await wrapped({}, "fail")
    with pytest.raises(Retry):
        await wrapped({}, "retry")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(wrapped({}, "hang"), 0.05)
    assert {o: count(o) - before[o] for o in before} == {"ok": 1, "failed": 1, "retry": 1,
                                                         "cancelled": 1}


async def test_the_exporter_answers_only_its_networks_and_only_metrics():
    app = metrics_app(("10.1.0.0/16",))

    async def get(ip, path="/metrics"):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 1)),
                                     base_url="http://node") as c:
            return await c.get(path)

    inside = await get("10.1.2.3")
    assert inside.status_code == 200 and "argus_jobs_total" in inside.text
    outside = await get("192.0.2.1")
    assert outside.status_code == 403 and outside.json()["code"] == "metrics_not_allowed"
    assert (await get("10.1.2.3", "/other")).status_code == 404
    assert split_listen("9464") == ("0.0.0.0", 9464)
    assert split_listen("127.0.0.1:9465") == ("127.0.0.1", 9465)


def test_a_dead_processes_live_gauges_go_and_its_counters_stay(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead = int(gone.stdout)  # exited: its pid runs nothing now (unless reused at once)
    for name in (f"gauge_livesum_{dead}.db", f"counter_{dead}.db",
                 f"gauge_livesum_{os.getpid()}.db"):
        (tmp_path / name).write_bytes(b"")
    _forget_dead_processes(tmp_path)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([f"counter_{dead}.db", f"gauge_livesum_{os.getpid()}.db"])
