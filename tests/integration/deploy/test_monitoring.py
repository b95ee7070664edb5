"""The monitoring a provider deploys, checked offline with Debian's promtool: alert rules
(syntax and their unit tests), the Prometheus scrape configuration, and every query of the
Grafana dashboards; every metric name they use must be one the code exports."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from argus.platform.ingest.metrics import NAMES as NODE_NAMES
from argus.platform.observability.series import names as process_names
from argus.platform.observability.snapshot import NAMES as SNAPSHOT_NAMES

ROOT = Path(__file__).resolve().parents[3]
PROM = ROOT / "deploy" / "prometheus"
GRAFANA = ROOT / "deploy" / "grafana"
sys.path.insert(0, str(GRAFANA))
import dashboards  # noqa: E402

PROMTOOL = shutil.which("promtool")
SUFFIXES = ("_bucket", "_sum", "_count", "_total", "_created")
EXPORTED = process_names() | SNAPSHOT_NAMES | NODE_NAMES | {"up"}  # up: Prometheus' own


def promtool(*args: str, cwd: Path = PROM) -> subprocess.CompletedProcess:
    assert PROMTOOL, "promtool is missing (Debian: apt-get install prometheus; the set-up does)"
    return subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression, as the code defines them (no suffixes)."""
    found = set()
    for name in re.findall(r"\b(argus_[a-z0-9_]+|up)\b(?=\s*[{\[)\s,]|$)", expr):
        for suffix in SUFFIXES:
            if name.endswith(suffix) and name.removesuffix(suffix) in EXPORTED:
                name = name.removesuffix(suffix)
                break
        found.add(name)
    return found


def as_promql(expr: str) -> str:
    """Grafana's variables replaced by what they stand for, so promtool can parse it
    (``label_values(<selector>, <label>)`` is the selector)."""
    variable = re.fullmatch(r"label_values\((.+),\s*\w+\)", expr)
    if variable:
        expr = variable[1]
    return expr.replace("$__rate_interval", "5m").replace('=~"$node"', '=~".+"')


def check_queries(exprs: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    """promtool parses each expression as a recording rule."""
    rules = {"groups": [{"name": "dashboards", "rules": [
        {"record": f"dashboard:query_{i}", "expr": as_promql(e)} for i, e in enumerate(exprs)]}]}
    path = tmp_path / "dashboard-queries.yaml"
    path.write_text(yaml.safe_dump(rules))
    return promtool("check", "rules", str(path), cwd=tmp_path)


def rule_exprs() -> dict[str, str]:
    doc = yaml.safe_load((PROM / "rules.yaml").read_text())
    return {rule["alert"]: rule["expr"] for group in doc["groups"] for rule in group["rules"]}


def test_alert_rules_pass_promtool_and_their_unit_tests():
    checked = promtool("check", "rules", "rules.yaml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = promtool("test", "rules", "rules.test.yaml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    config = promtool("check", "config", "prometheus.yaml")
    assert config.returncode == 0, config.stdout + config.stderr


def test_every_alert_has_a_unit_test_that_makes_it_fire():
    tests = yaml.safe_load((PROM / "rules.test.yaml").read_text())["tests"]
    fired = {case["alertname"] for test in tests for case in test["alert_rule_test"]
             if case.get("exp_alerts")}
    assert set(rule_exprs()) == fired
    wanted = {"ArgusIngestNodeDown", "ArgusRecordingVolumeFilling", "ArgusFinalizeLag",
              "ArgusQueueBacklog", "ArgusHigh5xxRatio", "ArgusPublishRefusalsSpike",
              "ArgusDependencyUnreachable", "ArgusCustomDomainPendingTooLong"}
    assert wanted <= fired


def test_a_failing_rule_test_fails(tmp_path):
    """The unit tests can fail: one wrong expectation and promtool says so."""
    shutil.copy(PROM / "rules.yaml", tmp_path)
    text = (PROM / "rules.test.yaml").read_text().replace("queue: general}", "queue: other}")
    (tmp_path / "rules.test.yaml").write_text(text)
    assert promtool("test", "rules", "rules.test.yaml", cwd=tmp_path).returncode != 0


def test_the_committed_dashboards_are_the_generated_ones():
    assert dashboards.main(["--check"]) == 0, "run: python deploy/grafana/dashboards.py"
    assert {p.name for p in GRAFANA.glob("*.json")} == set(dashboards.DASHBOARDS)


def test_every_dashboard_query_parses(tmp_path):
    exprs = [e for board in dashboards.DASHBOARDS.values() for e in dashboards.expressions(board)]
    assert len(exprs) > 30
    checked = check_queries(exprs, tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_broken_dashboard_query_fails_the_check(tmp_path):
    board = dashboards.DASHBOARDS["argus-system.json"]
    exprs = dashboards.expressions(board)
    broken = [*exprs[:-1], exprs[-1].rstrip(")")]  # one closing parenthesis lost
    assert check_queries(broken, tmp_path).returncode != 0


@pytest.mark.parametrize("source", ["rules", *dashboards.DASHBOARDS])
def test_queries_name_only_series_the_code_exports(source):
    exprs = (list(rule_exprs().values()) if source == "rules"
             else dashboards.expressions(dashboards.DASHBOARDS[source]))
    used = set().union(*(metric_names(e) for e in exprs))
    assert used, source
    assert used <= EXPORTED, sorted(used - EXPORTED)


def test_the_name_check_catches_a_misspelt_series():
    assert metric_names("sum(rate(argus_http_requests_totl[5m]))") - EXPORTED
    assert not metric_names("sum(rate(argus_http_requests_total[5m]))") - EXPORTED
