"""Layout rules from CONVENTIONS.md that a reviewer would otherwise have to remember."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAPPED = ("platform", "tenants", "billing", "branding")


def test_no_init_at_the_root_of_the_mapped_folders():
    for folder in MAPPED:
        assert not (ROOT / folder / "__init__.py").exists(), folder
    assert not (ROOT / "conftest.py").exists()


def test_code_imports_mapped_folders_only_through_argus():
    bare = re.compile(rf"^\s*(from|import)\s+({'|'.join(MAPPED[1:])}|platform\.\w)", re.M)
    offenders = []
    for folder in (*MAPPED, "tests", "migrations", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            if bare.search(path.read_text()):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_standard_platform_module_is_not_shadowed():
    import platform

    assert hasattr(platform, "system") and platform.system()
