"""A node agent's own ``/metrics`` (``ARGUS_NODE_METRICS_LISTEN``): what only the node knows,
read at scrape time — nginx's ``rtmp_stat`` (streams, players, bytes in and out), the RTSP
relays' states, the recording volume's free space and the closed pieces still waiting for the
finalizer. The agent's process series (job outcomes of ``finalize_recording`` and
``drop_publisher``, thumbnail timings) come with them. Every series carries the ``node`` label,
so one dashboard shows all nodes.
"""

from __future__ import annotations

import shutil
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from argus.platform.ingest.names import parse_piece

if TYPE_CHECKING:
    from argus.platform.ingest.agent import NodeAgent
    from argus.platform.ingest.relays import RelaySupervisor

APPS = ("live", "internal")
RELAY_STATES = ("connecting", "running", "retrying", "error")
NAMES = frozenset({
    "argus_node_nginx_up", "argus_node_streams", "argus_node_rtmp_players",
    "argus_node_received_bytes", "argus_node_sent_bytes", "argus_node_relays",
    "argus_node_recording_free_bytes", "argus_node_recording_size_bytes",
    "argus_node_finalize_lag_seconds", "argus_node_pieces_waiting",
})


@dataclass
class StatTotals:
    bytes_in: int = 0
    bytes_out: int = 0
    streams: dict[str, int] = field(default_factory=lambda: dict.fromkeys(APPS, 0))
    players: dict[str, int] = field(default_factory=lambda: dict.fromkeys(APPS, 0))


def parse_totals(xml: bytes) -> StatTotals:
    """Node-wide figures of nginx-rtmp's stat XML: bytes, and per application the publishing
    streams and the clients that play (every client without ``<publishing/>``)."""
    root = ET.fromstring(xml)
    totals = StatTotals(bytes_in=int(root.findtext("bytes_in") or 0),
                        bytes_out=int(root.findtext("bytes_out") or 0))
    for application in root.iter("application"):
        app = application.findtext("name") or ""
        for stream in application.iter("stream"):
            if stream.find("publishing") is not None:
                totals.streams[app] = totals.streams.get(app, 0) + 1
            players = sum(1 for c in stream.iter("client") if c.find("publishing") is None)
            totals.players[app] = totals.players.get(app, 0) + players
    return totals


def waiting_pieces(rec_dir: Path, now: float) -> tuple[int, float]:
    """Closed pieces not finalized yet, and the age of the oldest (0 when none)."""
    count, oldest = 0, now
    try:
        entries = list(rec_dir.iterdir())
    except OSError:
        return 0, 0.0
    for entry in entries:
        piece = parse_piece(entry.name)
        if piece is None or not piece.closed:
            continue
        try:
            mtime = entry.stat().st_mtime
        except OSError:
            continue  # finalized meanwhile
        count += 1
        oldest = min(oldest, mtime)
    return count, (now - oldest if count else 0.0)


class NodeMetrics:
    def __init__(self, agent: NodeAgent, relays: RelaySupervisor, rec_dir: Path) -> None:
        self.agent, self.relays, self.rec_dir = agent, relays, rec_dir

    async def families(self) -> list[Metric]:
        node = self.agent.node_id
        out: list[Metric] = []

        def gauge(name: str, doc: str, value: float, **labels: str) -> GaugeMetricFamily:
            family = GaugeMetricFamily(name, doc, labels=["node", *labels])
            family.add_metric([node, *labels.values()], value)
            return family

        try:
            response = await self.agent.http.get(f"{self.agent.base}/stat")
            response.raise_for_status()
            totals: StatTotals | None = parse_totals(response.content)
        except Exception:
            totals = None
        out.append(gauge("argus_node_nginx_up", "1 when nginx's rtmp_stat answered",
                         1 if totals else 0))
        if totals is not None:
            streams = GaugeMetricFamily("argus_node_streams", "Publishing streams by "
                                        "application", labels=["node", "app"])
            players = GaugeMetricFamily("argus_node_rtmp_players", "RTMP clients playing, by "
                                        "application", labels=["node", "app"])
            for app in totals.streams:
                streams.add_metric([node, app], totals.streams[app])
                players.add_metric([node, app], totals.players.get(app, 0))
            received = CounterMetricFamily("argus_node_received_bytes",
                                           "Bytes nginx-rtmp received", labels=["node"])
            received.add_metric([node], totals.bytes_in)
            sent = CounterMetricFamily("argus_node_sent_bytes", "Bytes nginx-rtmp sent",
                                       labels=["node"])
            sent.add_metric([node], totals.bytes_out)
            out += [streams, players, received, sent]
        relays = GaugeMetricFamily("argus_node_relays", "RTSP relays by state",
                                   labels=["node", "state"])
        states = dict.fromkeys(RELAY_STATES, 0)
        for relay in list(self.relays.relays.values()):
            states[relay.state] = states.get(relay.state, 0) + 1
        for state, count in states.items():
            relays.add_metric([node, state], count)
        out.append(relays)
        try:
            disk = shutil.disk_usage(self.rec_dir)
            out.append(gauge("argus_node_recording_free_bytes",
                             "Free bytes on the recording volume", disk.free))
            out.append(gauge("argus_node_recording_size_bytes",
                             "Size of the recording volume", disk.total))
        except OSError:
            pass
        count, lag = waiting_pieces(self.rec_dir, time.time())
        out.append(gauge("argus_node_pieces_waiting",
                         "Closed recorded pieces not finalized yet", count))
        out.append(gauge("argus_node_finalize_lag_seconds",
                         "Age of the oldest closed piece not finalized yet", lag))
        return out
