"""The import direction: core ← tenants ← billing/branding ← platform domains ← app/web/workers/cli,
and no controller module imports another one (what controllers share lives in a domain's
schemas or service). Every import counts, lazy ones inside functions too."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# top-level folder -> the package it is installed as (see setup.py)
PACKAGES = {"platform": "argus.platform", "tenants": "argus.tenants", "billing": "argus.billing",
            "branding": "argus.branding"}
LAYERS = ("core", "tenants", "billing/branding", "platform domains", "app/web/workers/cli")
TOP = {"app", "services", "models", "web", "workers", "cli"}  # argus.platform.<these>


def layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "argus" or len(parts) < 2:
        return None
    if parts[1] == "tenants":
        return 1
    if parts[1] in ("billing", "branding"):
        return 2
    if parts[1] != "platform":
        return None
    if len(parts) == 2 or parts[2] in TOP:
        return 4
    return 0 if parts[2] == "core" else 3


def _modules(root: Path):
    for folder, package in PACKAGES.items():
        for path in sorted((root / folder).rglob("*.py")):
            if "node_modules" in path.parts:
                continue
            name = ".".join((package, *path.relative_to(root / folder).with_suffix("").parts))
            yield name.removesuffix(".__init__"), path, ast.parse(path.read_text())


def _imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def _is_controller(tree: ast.AST) -> bool:
    return any(isinstance(node, ast.ClassDef) and any(
        (isinstance(b, ast.Name) and b.id == "Controller")
        or (isinstance(b, ast.Attribute) and b.attr == "Controller") for b in node.bases)
        for node in ast.walk(tree))


def violations(root: Path) -> list[str]:
    modules = list(_modules(root))
    controllers = {name for name, _, tree in modules if _is_controller(tree)}
    found = []
    for name, path, tree in modules:
        mine = layer(name)
        for lineno, target in _imports(tree):
            other = layer(target)
            where = f"{path.relative_to(root)}:{lineno}"
            if mine is not None and other is not None and other > mine:
                found.append(f"{where}: {LAYERS[mine]} imports {LAYERS[other]} ({target})")
            if name in controllers and target in controllers and target != name:
                found.append(f"{where}: controller imports controller ({target})")
    return found


def test_the_code_imports_only_downwards_and_controllers_never_each_other():
    assert violations(ROOT) == []


def test_the_check_catches_a_wrong_way_import_and_a_controller_import(tmp_path):
    """A fixture tree with two of the imports this check was written against: core's mailer
    reaching up into branding, and one controller importing another."""
    files = {
        "platform/core/mail.py": "from argus.branding.brands import PROVIDER_DEFAULT\n",
        "platform/core/db.py": "import sqlalchemy\n",
        "branding/brands.py": "from argus.platform.core.db import Databases\n",
        "platform/streaming/controller.py": "class StreamingController(Controller): ...\n",
        "platform/sharing/controller.py": (
            "from argus.platform.streaming.controller import live_url\n"
            "from argus.platform.core.db import Databases\n"
            "class ShareController(Controller): ...\n"),
        "tenants/service.py": "def f():\n    from argus.platform.app import create_app\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    assert violations(tmp_path) == [
        "platform/core/mail.py:1: core imports billing/branding (argus.branding.brands)",
        "platform/sharing/controller.py:1: controller imports controller "
        "(argus.platform.streaming.controller)",
        "tenants/service.py:2: tenants imports app/web/workers/cli (argus.platform.app)",
    ]
