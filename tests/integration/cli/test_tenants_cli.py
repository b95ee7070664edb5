"""The ``argus`` CLI as provider ops use it: keys, then a tenant's whole life."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import new_slug, settings_env

ARGUS = str(Path(sys.executable).parent / "argus")


def run(env, *args, check=True):
    result = subprocess.run([ARGUS, *args], env={**os.environ, **env}, capture_output=True,
                            text=True, timeout=120, stdin=subprocess.DEVNULL)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_provider_key_is_printed_alone_on_stdout(tmp_root, control):
    env = settings_env(tmp_root)
    out = run(env, "provider-keys", "create", "--name", "ci").stdout
    assert out.count("\n") == 1 and out.startswith("argus_pk_")


async def test_a_provider_key_is_rotated_by_creating_one_and_revoking_the_other(
        tmp_root, client):
    env = settings_env(tmp_root)
    old = run(env, "provider-keys", "create", "--name", "old").stdout.strip()
    new = run(env, "provider-keys", "create", "--name", "new").stdout.strip()
    prefix = old.split("_")[2]

    async def status(key: str) -> int:
        return (await client.get("/provider/v1/tenants", headers={
            "Host": "provider.localhost", "Authorization": f"Bearer {key}"})).status_code

    assert await status(old) == 200 and await status(new) == 200
    listed = [json.loads(line) for line in run(env, "provider-keys", "list").stdout.splitlines()]
    mine = {row["prefix"]: row for row in listed}
    assert mine[prefix]["name"] == "old" and mine[prefix]["revoked_at"] is None
    assert mine[prefix]["last_used_at"] is not None
    assert not any(old in line or old.split("_")[3] in line for line in map(str, listed))

    def revoked_at() -> str | None:
        rows = map(json.loads, run(env, "provider-keys", "list").stdout.splitlines())
        return next(r for r in rows if r["prefix"] == prefix)["revoked_at"]

    assert "revoked" in run(env, "provider-keys", "revoke", prefix).stderr
    assert await status(old) == 401 and await status(new) == 200
    first = revoked_at()
    assert first is not None
    run(env, "provider-keys", "revoke", prefix)  # again: nothing changes
    assert revoked_at() == first
    missing = run(env, "provider-keys", "revoke", "0" * 12, check=False)
    assert missing.returncode == 2 and "no provider key" in missing.stderr


def test_tenant_lifecycle_through_the_cli(tmp_root, control):
    env = settings_env(tmp_root)
    slug = new_slug()
    created = json.loads(run(env, "tenants", "create", slug, "--name", "CLI Co",
                             "--domain", f"cams.{slug}.example").stdout)
    assert created["state"] == "active" and created["domains"] == [f"cams.{slug}.example"]
    again = json.loads(run(env, "tenants", "create", slug, "--name", "CLI Co").stdout)
    assert again == created  # idempotent: domains untouched when not given, nothing changed

    assert json.loads(run(env, "tenants", "suspend", slug).stdout)["state"] == "suspended"
    assert json.loads(run(env, "tenants", "resume", slug).stdout)["state"] == "active"
    listed = json.loads(run(env, "tenants", "list", "--json").stdout)
    assert slug in [t["slug"] for t in listed]

    refused = run(env, "tenants", "delete", slug, check=False)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    run(env, "tenants", "delete", slug, "--yes")
    missing = run(env, "tenants", "show", slug, check=False)
    assert missing.returncode == 2 and "not found" in missing.stderr

    bad = run(env, "tenants", "create", "Bad_Slug", "--name", "x", check=False)
    assert bad.returncode == 2 and "slug" in bad.stderr


def test_users_create_reads_the_password_from_stdin(tmp_root, control):
    env = settings_env(tmp_root)
    slug = new_slug()
    run(env, "tenants", "create", slug, "--name", "Users Co")
    result = subprocess.run(
        [ARGUS, "users", "create", "--tenant", slug, "--email", "Boss@Users.example",
         "--role", "admin", "--password-stdin"], input="a-strong-password-1\n",
        env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "a-strong-password-1" not in result.stdout + result.stderr
    weak = subprocess.run(
        [ARGUS, "users", "create", "--tenant", slug, "--email", "x@users.example",
         "--password-stdin"], input="short\n", env={**os.environ, **env},
        capture_output=True, text=True, timeout=120)
    assert weak.returncode == 2 and "password" in weak.stderr
    missing = run(env, "users", "create", "--tenant", "zt-nope", "--email", "a@b.example",
                  check=False)
    assert missing.returncode == 2 and "not found" in missing.stderr
