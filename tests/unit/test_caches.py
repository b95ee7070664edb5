"""Process caches stay bounded without losing what matters: invented host names never evict a
tenant's entry; the revocation mirror drops what has expired."""

from __future__ import annotations

from argus.platform.core.settings import HttpSettings
from argus.platform.identity.revocations import RevocationMirror
from argus.tenants import resolution
from argus.tenants.context import TenantContext
from argus.tenants.resolution import TenantResolver

ACME = TenantContext(id="t1", slug="acme", name="Acme", state="active", plan="starter",
                     db_cluster="main", schema="argus_t_acme", bucket="argus-t-acme")


async def test_a_flood_of_unknown_hosts_never_evicts_a_tenant(monkeypatch):
    resolver = TenantResolver(HttpSettings(), dbs=None)
    lookups = []

    async def lookup(host: str):
        lookups.append(host)
        return ACME if host == "acme.localhost" else None

    monkeypatch.setattr(resolver, "_lookup", lookup)
    assert await resolver.resolve("acme.localhost") == ACME
    for i in range(resolution._MAX_MISSES * 2 + 5):
        assert await resolver.resolve(f"junk{i}.example.com") is None
    lookups.clear()
    assert await resolver.resolve("acme.localhost") == ACME
    assert lookups == []  # still cached
    assert len(resolver._misses) <= resolution._MAX_MISSES


def test_the_revocation_mirror_prunes_expired_entries():
    mirror = RevocationMirror(redis=_NoRedis(), prefix="x")
    for i in range(100):
        mirror.apply(f"old{i}", "1", ttl=-1)
    mirror.apply("live", "1", ttl=60)
    mirror.prune()
    assert list(mirror.values) == ["live"]


class _NoRedis:
    def pubsub(self):
        raise AssertionError("not used")


def test_logs_are_readable_on_a_terminal_and_json_elsewhere(monkeypatch):
    from argus.platform.core import settings

    monkeypatch.setattr(settings.os, "isatty", lambda fd: True)
    assert settings.Settings.from_env({}).log_json is False
    monkeypatch.setattr(settings.os, "isatty", lambda fd: False)
    assert settings.Settings.from_env({}).log_json is True
    assert settings.Settings.from_env({"ARGUS_LOG_JSON": "true"}).log_json is True
