"""The permission matrix says what the product brief says each role may do."""

from __future__ import annotations

from argus.platform.core.permissions import (
    LOGIN_ROLES,
    MATRIX,
    PERMISSIONS,
    ROLE_PERMISSIONS,
    markdown_table,
)


def test_admin_may_do_everything():
    assert ROLE_PERMISSIONS["admin"] == frozenset(PERMISSIONS)


def test_operator_manages_cameras_and_recordings_but_not_people_or_settings():
    ops = ROLE_PERMISSIONS["operator"]
    assert {"cameras:write", "recordings:write", "streams:view"} <= ops
    assert not ops & {"users:read", "users:write", "settings:write", "audit:read",
                      "tokens:manage"}


def test_viewer_only_watches_and_downloads():
    viewer = ROLE_PERMISSIONS["viewer"]
    assert {"cameras:read", "streams:view", "recordings:read"} <= viewer
    assert not any(p.endswith(":write") for p in viewer)
    assert not viewer & {"users:read", "audit:read", "settings:read", "tokens:manage"}


def test_api_only_never_signs_in_and_has_limited_endpoints():
    assert "api_only" not in LOGIN_ROLES
    api = ROLE_PERMISSIONS["api_only"]
    assert not api & {"users:read", "users:write", "settings:write", "audit:read",
                      "recordings:write"}


def test_readme_prints_the_matrix():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert markdown_table() in readme, "README's permission table is out of date"
    assert set(MATRIX) == set(PERMISSIONS)
