from __future__ import annotations

import dataclasses

import pytest

from argus.platform.core.errors import Invalid
from argus.platform.core.settings import Settings


def test_defaults_make_the_demo_work_on_one_machine():
    s = Settings.from_env({})
    assert s.database.control_schema == "argus_control"
    assert s.database.clusters["main"].startswith("mysql+asyncmy://")
    assert s.http.base_domain == "localhost"
    assert s.http.provider_host == "provider.localhost"
    assert s.storage.backend == "local"


def test_several_clusters_and_overrides_are_read():
    s = Settings.from_env({
        "ARGUS_DB_CLUSTERS": "eu=mysql+asyncmy://a@h1:3306,us=mysql+asyncmy://b@h2:3306",
        "ARGUS_DB_DEFAULT_CLUSTER": "us",
        "ARGUS_BASE_DOMAIN": "Cams.Example.COM.",
        "ARGUS_STORAGE_BACKEND": "s3",
        "ARGUS_PROVIDER_ANY_HOST": "true",
    })
    assert set(s.database.clusters) == {"eu", "us"}
    assert s.database.control_cluster == "eu" and s.database.default_cluster == "us"
    assert s.http.base_domain == "cams.example.com"
    assert s.http.provider_host == "provider.cams.example.com"
    assert s.http.provider_any_host is True
    assert s.storage.backend == "s3"


def test_settings_are_frozen():
    s = Settings.from_env({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.log_level = "debug"  # type: ignore[misc]


@pytest.mark.parametrize("env", [
    {"ARGUS_DB_CLUSTERS": "nonsense"},
    {"ARGUS_DB_CLUSTERS": "a=mysql://x", "ARGUS_DB_CONTROL_CLUSTER": "b"},
    {"ARGUS_STORAGE_BACKEND": "ftp"},
    {"ARGUS_CONTROL_SCHEMA": "control; DROP"},
])
def test_bad_settings_are_refused(env):
    with pytest.raises((ValueError, Invalid)):
        Settings.from_env(env)
