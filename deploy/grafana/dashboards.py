"""The Grafana dashboards operators import, generated from the panel lists below.

    python deploy/grafana/dashboards.py          # rewrite the JSON files beside this script
    python deploy/grafana/dashboards.py --check  # exit 1 if a committed file is out of date

Each dashboard is one JSON file (Grafana's dashboard model, schemaVersion 39) with a
``datasource`` variable for the Prometheus data source and, where useful, a ``node`` variable.
Series that every control-plane replica reports alike (argus_tenants, argus_cameras_online,
argus_queue_*, argus_storage_bytes, argus_tenant_*) are read with ``max``, never ``sum``.
The test suite checks every expression with promtool and every metric name against the code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DS = {"type": "prometheus", "uid": "${datasource}"}


def timeseries(title: str, *exprs: tuple[str, str], unit: str = "short",
               stack: bool = False) -> dict:
    return {"type": "timeseries", "title": title,
            "targets": [{"expr": e, "legendFormat": legend, "refId": chr(65 + i)}
                        for i, (e, legend) in enumerate(exprs)],
            "fieldConfig": {"defaults": {"unit": unit, "custom": {
                "stacking": {"mode": "normal" if stack else "none"}}}, "overrides": []}}


def stat(title: str, expr: str, unit: str = "short") -> dict:
    return {"type": "stat", "title": title,
            "targets": [{"expr": expr, "legendFormat": "", "refId": "A", "instant": True}],
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "options": {"reduceOptions": {"calcs": ["lastNotNull"]}}}


def table(title: str, expr: str, unit: str = "short") -> dict:
    return {"type": "table", "title": title,
            "targets": [{"expr": expr, "format": "table", "instant": True, "refId": "A"}],
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []}}


def variable(name: str, query: str) -> dict:
    return {"name": name, "type": "query", "datasource": DS, "refresh": 2,
            "query": {"query": query, "refId": name}, "definition": query,
            "includeAll": True, "multi": True, "current": {}}


def dashboard(uid: str, title: str, panels: list[dict], variables: list[dict] = ()) -> dict:
    laid = []
    for i, panel in enumerate(panels):
        small = panel["type"] == "stat"
        width = 6 if small else 12
        laid.append({**panel, "id": i + 1, "datasource": DS,
                     "targets": [{**t, "datasource": DS} for t in panel["targets"]],
                     "gridPos": {"h": 4 if small else 8, "w": width,
                                 "x": 0, "y": 0}})
    x = y = row_height = 0  # left to right, wrapping at 24 columns
    for panel in laid:
        grid = panel["gridPos"]
        if x + grid["w"] > 24:
            x, y, row_height = 0, y + row_height, 0
        grid["x"], grid["y"] = x, y
        x += grid["w"]
        row_height = max(row_height, grid["h"])
    return {
        "uid": uid, "title": title, "tags": ["argus"], "timezone": "utc",
        "schemaVersion": 39, "version": 1, "editable": True, "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [{"name": "datasource", "type": "datasource",
                                 "query": "prometheus", "current": {}}, *variables]},
        "annotations": {"list": []}, "panels": laid,
    }


RATE = "$__rate_interval"
NODE = 'node=~"$node"'

SYSTEM = dashboard("argus-system", "Argus · system health", [
    stat("Control-plane replicas up", 'sum(up{job="argus-control-plane"})'),
    stat("Dependencies down", "count(min by (dependency) (argus_dependency_up) == 0) or vector(0)"),
    stat("5xx ratio (5m)", 'sum(rate(argus_http_requests_total{status=~"5.."}[5m])) / '
                           "sum(rate(argus_http_requests_total[5m]))", "percentunit"),
    stat("Requests in flight", "sum(argus_http_requests_in_flight)"),
    timeseries("Requests by status class",
               ('sum by (status) (label_replace(rate(argus_http_requests_total[' + RATE + ']),'
                ' "status", "${1}xx", "status", "(.).."))', "{{status}}"), unit="reqps",
               stack=True),
    timeseries("Latency p95 by route (top 10)",
               ("topk(10, histogram_quantile(0.95, sum by (le, route) "
                f"(rate(argus_http_request_duration_seconds_bucket[{RATE}]))))", "{{route}}"),
               unit="s"),
    timeseries("Dependencies reachable (min over replicas)",
               ("min by (dependency) (argus_dependency_up)", "{{dependency}}")),
    timeseries("Queue depth", ("max by (queue) (argus_queue_jobs)", "{{queue}}")),
    timeseries("Oldest job waiting", ("max by (queue) (argus_queue_oldest_job_age_seconds)",
                                      "{{queue}}"), unit="s"),
    timeseries("Job outcomes", (f"sum by (function, outcome) (rate(argus_jobs_total[{RATE}]))",
                                "{{function}} {{outcome}}"), unit="ops"),
    timeseries("Job duration p95", ("histogram_quantile(0.95, sum by (le, function) "
                                    f"(rate(argus_job_duration_seconds_bucket[{RATE}])))",
                                    "{{function}}"), unit="s"),
    timeseries("Sign-in failures and rate-limit refusals",
               (f"sum by (reason) (rate(argus_login_failures_total[{RATE}]))", "login {{reason}}"),
               (f"sum by (kind) (rate(argus_rate_limit_refusals_total[{RATE}]))",
                "limited {{kind}}"), unit="ops"),
    timeseries("Scrape-time read of deployment-wide series",
               ("max(argus_snapshot_read_seconds)", "read"), unit="s"),
])

STREAMING = dashboard("argus-streaming", "Argus · streaming (per node)", [
    stat("Cameras online", "sum(max by (node) (argus_cameras_online))"),
    stat("Nodes heartbeating", "count(max by (node) (argus_ingest_node_heartbeat_age_seconds) "
                               "< 30) or vector(0)"),
    stat("Publishes refused (1h)",
         'sum(increase(argus_publishes_total{result="refused"}[1h]))'),
    stat("Pieces waiting", f"sum(argus_node_pieces_waiting{{{NODE}}})"),
    timeseries("Cameras online by node", (f"max by (node) (argus_cameras_online{{{NODE}}})",
                                          "{{node}}"), stack=True),
    timeseries("Publishes", (f"sum by (result, reason) (rate(argus_publishes_total[{RATE}]))",
                             "{{result}} {{reason}}"), unit="ops"),
    timeseries("Callback latency p95", ("histogram_quantile(0.95, sum by (le, callback) "
                                        f"(rate(argus_rtmp_callback_duration_seconds_bucket"
                                        f"[{RATE}])))", "{{callback}}"), unit="s"),
    timeseries("Streams by application", (f"sum by (node, app) (argus_node_streams{{{NODE}}})",
                                          "{{node}} {{app}}")),
    timeseries("RTMP players", (f"sum by (node, app) (argus_node_rtmp_players{{{NODE}}})",
                                "{{node}} {{app}}")),
    timeseries("Ingest bandwidth",
               (f"sum by (node) (rate(argus_node_received_bytes_total{{{NODE}}}[{RATE}])) * 8",
                "in {{node}}"),
               (f"sum by (node) (rate(argus_node_sent_bytes_total{{{NODE}}}[{RATE}])) * 8",
                "out {{node}}"), unit="bps"),
    timeseries("RTSP relays by state", (f"sum by (node, state) (argus_node_relays{{{NODE}}})",
                                        "{{node}} {{state}}"), stack=True),
    timeseries("Recording volume free", (f"argus_node_recording_free_bytes{{{NODE}}} / "
                                         f"argus_node_recording_size_bytes{{{NODE}}}",
                                         "{{node}}"), unit="percentunit"),
    timeseries("Finalize lag", (f"max by (node) (argus_node_finalize_lag_seconds{{{NODE}}})",
                                "{{node}}"), unit="s"),
    timeseries("Finalize duration p95", (
        "histogram_quantile(0.95, sum by (le) (rate(argus_job_duration_seconds_bucket"
        f'{{job="argus-node", function="finalize_recording"}}[{RATE}])))', "p95"), unit="s"),
    timeseries("Thumbnail batch p95", (
        "histogram_quantile(0.95, sum by (le, node) "
        f"(rate(argus_node_thumbnail_batch_seconds_bucket[{RATE}])))", "p95"), unit="s"),
    timeseries("Node heartbeat age", ("max by (node) (argus_ingest_node_heartbeat_age_seconds"
                                      f"{{{NODE}}})", "{{node}}"), unit="s"),
], [variable("node", "label_values(argus_ingest_node_heartbeat_age_seconds, node)")])

BUSINESS = dashboard("argus-business", "Argus · business", [
    stat("Active tenants", 'max(argus_tenants{state="active"})'),
    stat("Cameras online", "sum(max by (node) (argus_cameras_online))"),
    stat("Stored", "sum(max by (tier) (argus_storage_bytes))", "bytes"),
    stat("Clip exports queued", "max(argus_clip_exports_queued)"),
    timeseries("Tenants by state", ("max by (state) (argus_tenants)", "{{state}}"), stack=True),
    timeseries("Storage by tier", ("max by (tier) (argus_storage_bytes)", "{{tier}}"),
               unit="bytes", stack=True),
    table("Largest tenants by storage", "topk(10, max by (tenant) (argus_tenant_storage_bytes))",
          "bytes"),
    table("Tenants with most cameras online",
          "topk(10, max by (tenant) (argus_tenant_cameras_online))"),
    timeseries("API calls by tenant (busiest)", (
        f"topk(10, max by (tenant) (rate(argus_tenant_api_calls_total[{RATE}])))",
        "{{tenant}}"), unit="reqps"),
    timeseries("Custom domains by state", ("max by (state) (argus_domains)", "{{state}}")),
])

DASHBOARDS = {"argus-system.json": SYSTEM, "argus-streaming.json": STREAMING,
              "argus-business.json": BUSINESS}


def expressions(board: dict) -> list[str]:
    """Every PromQL expression of a dashboard (panels and variables)."""
    found = [t["expr"] for panel in board["panels"] for t in panel["targets"]]
    for var in board["templating"]["list"]:
        if var["type"] == "query":
            found.append(var["query"]["query"])
    return found


def render(board: dict) -> str:
    return json.dumps(board, indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    stale = []
    for name, board in DASHBOARDS.items():
        path = HERE / name
        if "--check" in argv:
            if not path.exists() or path.read_text() != render(board):
                stale.append(name)
        else:
            path.write_text(render(board))
    if stale:
        print("out of date (run python deploy/grafana/dashboards.py):", *stale, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
