"""CPU time of quick ``argus`` commands (the Terraform provider and scripts call them often).

Runs each command ``--runs`` times as a fresh process against the local MariaDB and Redis (the
test command's environment, or ``./scripts/run``'s) and prints the median user+system CPU
seconds of the process and its children, with the best and the worst. Targets:
``argus --help`` ≤ 0.3 s, ``argus tenants list`` ≤ 0.6 s.

    .venv/bin/python bench/cli/run.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARGUS = str(ROOT / ".venv" / "bin" / "argus")
COMMANDS = {"argus --help": [ARGUS, "--help"],
            "argus tenants list": [ARGUS, "tenants", "list"],
            "argus tenants list --json": [ARGUS, "tenants", "list", "--json"]}
TARGETS = {"argus --help": 0.3, "argus tenants list": 0.6}


def cpu_of(argv: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "ARGUS_LOG_JSON": "false"})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"{args.runs} runs each (after one warm-up run)")
    print(f"{'command':<28} {'median':>8} {'best':>8} {'worst':>8}  target")
    for name, argv in COMMANDS.items():
        cpu_of(argv)  # warm the page cache and the .pyc files
        runs = [cpu_of(argv) for _ in range(args.runs)]
        target = TARGETS.get(name)
        verdict = "" if target is None else (
            f"≤ {target} s: {'met' if statistics.median(runs) <= target else 'NOT met'}")
        print(f"{name:<28} {statistics.median(runs):>7.3f}s {min(runs):>7.3f}s "
              f"{max(runs):>7.3f}s  {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
