"""The ``argus`` Terraform provider driven by the real ``terraform`` binary against a running
control plane (``argus serve``): init offline from the local mirror, plan, apply, a clean second
plan, updates in place, replacement, drift, import, an API error as a diagnostic, destroy, and a
control plane that is down. Each test has its own HOME, TF_DATA_DIR and working directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from argus.platform.core.settings import REPO_ROOT
from argus.platform.provider.keys import create_key
from argus.platform.terraform.install import install
from tests.conftest import new_slug
from tests.e2e.stack import BIN, LiveStack

TERRAFORM = shutil.which("terraform")
HEAD = """
terraform {
  required_providers {
    argus = { source = "registry.argus.local/argus/argus" }
  }
}
provider "argus" {}
"""


class Terraform:
    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.dir, self.env = workdir, env
        workdir.mkdir(parents=True, exist_ok=True)

    def write(self, body: str, name: str = "main.tf") -> None:
        (self.dir / name).write_text(HEAD + textwrap.dedent(body) if name == "main.tf"
                                     else textwrap.dedent(body))

    def __call__(self, *args: str, ok: bool | None = True) -> subprocess.CompletedProcess:
        done = subprocess.run([TERRAFORM, *args, "-no-color"] if args[0] != "fmt" else
                              [TERRAFORM, *args], cwd=self.dir, env=self.env,
                              capture_output=True, text=True, timeout=120)
        if ok is True:
            assert done.returncode == 0, (args, done.stdout[-3000:], done.stderr[-3000:])
        return done

    def apply(self, ok: bool | None = True) -> subprocess.CompletedProcess:
        return self("apply", "-auto-approve", "-input=false", ok=ok)

    def clean(self) -> bool:
        """A plan with nothing to do (``-detailed-exitcode``: 0)."""
        done = self("plan", "-detailed-exitcode", "-input=false", ok=None)
        assert done.returncode in (0, 2), done.stderr
        return done.returncode == 0


@pytest.fixture(scope="session")
def mirror(tmp_path_factory) -> Path:
    if TERRAFORM is None:
        pytest.fail("the terraform CLI is not installed: the Terraform tests need it on PATH "
                    "(https://developer.hashicorp.com/terraform/install)")
    return install(tmp_path_factory.mktemp("terraform"))


@pytest.fixture
async def control_plane(tmp_path, tmp_root, services):
    live = LiveStack(tmp_path, tmp_root)
    live.start_server()
    try:
        yield live
    finally:
        live.close()


@pytest.fixture
async def terraform(tmp_path, mirror, control_plane, services):
    key = await create_key(services.dbs, "terraform-tests")
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(home),
           "TF_DATA_DIR": str(tmp_path / "tf-data"), "TF_CLI_CONFIG_FILE": str(mirror),
           "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1",
           "ARGUS_PROVIDER_URL": f"http://provider.localhost:{control_plane.api_port}",
           "ARGUS_PROVIDER_TOKEN": key}
    return Terraform(tmp_path / "work", env)


def api(control_plane, token: str, method: str, path: str, **kw) -> httpx.Response:
    return httpx.request(method, f"{control_plane.api}{path}", timeout=30, **kw, headers={
        "Host": "provider.localhost", "Authorization": f"Bearer {token}"})


async def schema_exists(services, slug: str) -> bool:
    async with services.dbs.control_session() as session:
        return bool(await session.scalar(text(
            "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = :n"),
            {"n": f"argus_t_{slug}"}))


async def test_a_full_lifecycle_through_the_real_terraform(terraform, control_plane, services,
                                                           tmp_root):
    token = terraform.env["ARGUS_PROVIDER_TOKEN"]
    slug, plan, node = new_slug(), f"tf-{new_slug()}", f"tf-{new_slug()}"

    def config(name: str, tenant_slug: str, height: str = "1080") -> str:
        return f"""
        resource "argus_plan" "small" {{
          name                   = "{plan}"
          price_per_camera_month = 300
          max_cameras            = 5
          max_height             = {height}
        }}
        resource "argus_tenant" "t" {{
          slug    = "{tenant_slug}"
          name    = "{name}"
          plan    = argus_plan.small.name
          domains = ["{tenant_slug}.example.test"]
          state   = "active"
        }}
        resource "argus_ingest_node" "n" {{
          id       = "{node}"
          rtmp_url = "rtmp://127.0.0.1:1935/live"
          hls_url  = "http://127.0.0.1:8080"
          capacity = 10
        }}
        resource "argus_provider_key" "ci" {{
          name = "ci"
        }}
        data "argus_tenant" "t" {{
          slug = argus_tenant.t.slug
        }}
        output "node_secret" {{
          value     = argus_ingest_node.n.secret
          sensitive = true
        }}
        output "tenant_plan" {{ value = data.argus_tenant.t.plan }}
        """

    terraform.write(config("Acme", slug))
    terraform("init", "-input=false")
    assert (terraform.dir / ".terraform.lock.hcl").exists()
    assert "4 to add" in terraform("plan", "-input=false").stdout
    applied = terraform.apply()
    assert "Apply complete! Resources: 4 added" in applied.stdout
    assert terraform.clean()
    tenant = api(control_plane, token, "GET", f"/provider/v1/tenants/{slug}").json()
    assert (tenant["name"], tenant["plan"]) == ("Acme", plan)
    assert tenant["domains"] == [f"{slug}.example.test"]
    outputs = json.loads(terraform("output", "-json").stdout)
    assert outputs["tenant_plan"]["value"] == plan and len(outputs["node_secret"]["value"]) > 30
    assert outputs["node_secret"]["value"] not in applied.stdout  # sensitive
    # The tenant answers on its host.
    assert httpx.get(f"{control_plane.api}/api/v1/tenant", headers={
        "Host": f"{slug}.example.test"}).status_code == 200

    # In place: a new name; the node's secret and the tenant's id stay.
    terraform.write(config("Acme Ltd", slug))
    changed = terraform.apply()
    assert "1 changed" in changed.stdout and "0 destroyed" in changed.stdout
    assert api(control_plane, token, "GET", f"/provider/v1/tenants/{slug}").json()["name"] == \
        "Acme Ltd"
    assert json.loads(terraform("output", "-json").stdout)["node_secret"] == \
        outputs["node_secret"]

    # Drift: changed behind Terraform's back, shown by the plan, put back by apply.
    api(control_plane, token, "PATCH", f"/provider/v1/tenants/{slug}",
        json={"name": "Renamed by hand", "state": "suspended"})
    drift = terraform("plan", "-input=false").stdout
    assert '"Renamed by hand" -> "Acme Ltd"' in drift and '"suspended" -> "active"' in drift
    terraform.apply()
    again = api(control_plane, token, "GET", f"/provider/v1/tenants/{slug}").json()
    assert (again["name"], again["state"]) == ("Acme Ltd", "active")

    # An API refusal is a diagnostic on the attribute, never a traceback.
    terraform.write(config("Acme Ltd", slug, height="-5"))
    refused = terraform.apply(ok=None)
    assert refused.returncode == 1
    assert "max_height" in refused.stderr and "HTTP 422" in refused.stderr
    assert "Traceback" not in refused.stderr + refused.stdout

    # A new slug replaces the tenant: the old one is gone, schema and bucket included.
    renamed = new_slug()
    terraform.write(config("Acme Ltd", renamed))
    replaced = terraform("plan", "-input=false").stdout
    assert "must be replaced" in replaced and "forces replacement" in replaced
    terraform.apply()
    assert api(control_plane, token, "GET", f"/provider/v1/tenants/{slug}").status_code == 404
    assert not await schema_exists(services, slug)
    assert not (tmp_root / "storage" / f"argus-t-{slug}").exists()
    assert terraform.clean()

    destroyed = terraform("destroy", "-auto-approve", "-input=false")
    assert "Destroy complete! Resources: 4 destroyed" in destroyed.stdout
    assert api(control_plane, token, "GET", f"/provider/v1/tenants/{renamed}").status_code == 404
    assert not await schema_exists(services, renamed)
    assert api(control_plane, token, "GET", f"/provider/v1/plans/{plan}").status_code == 404
    assert api(control_plane, token, "GET", f"/provider/v1/ingest-nodes/{node}"
               ).status_code == 404


async def test_an_existing_tenant_is_imported_not_adopted(terraform, control_plane):
    slug = new_slug()
    made = subprocess.run([str(BIN / "argus"), "tenants", "create", slug,
                           "--name", "Made by the CLI"], env=control_plane.env,
                          capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    terraform.write(f"""
    resource "argus_tenant" "t" {{
      slug = "{slug}"
      name = "Made by the CLI"
    }}
    """)
    terraform("init", "-input=false")
    refused = terraform.apply(ok=None)
    assert refused.returncode == 1 and "already exists" in refused.stderr
    assert "terraform import" in refused.stderr
    terraform("import", "-input=false", "argus_tenant.t", slug)
    assert terraform.clean()

    # The same with an import block, generating the configuration.
    generated = Terraform(terraform.dir.parent / "generated", terraform.env)
    generated.write(f"""
    import {{
      to = argus_tenant.g
      id = "{slug}"
    }}
    """)
    generated("init", "-input=false")
    generated("plan", "-input=false", "-generate-config-out=generated.tf")
    assert f'slug           = "{slug}"' in (generated.dir / "generated.tf").read_text()
    assert "1 to import" in generated("plan", "-input=false").stdout


async def test_a_control_plane_that_is_down_is_a_clear_error_and_nothing_is_applied(
        terraform, control_plane):
    terraform.env["ARGUS_PROVIDER_URL"] = "http://provider.localhost:9"  # nothing listens
    terraform.write(f"""
    resource "argus_tenant" "t" {{
      slug = "{new_slug()}"
      name = "Nowhere"
    }}
    """)
    terraform("init", "-input=false")
    failed = terraform.apply(ok=None)
    assert failed.returncode == 1
    assert "cannot reach the Argus provider API" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert terraform("state", "list", ok=None).stdout.strip() == ""


async def test_the_example_applies_serves_its_hosts_and_destroys(terraform, control_plane,
                                                                 services):
    shutil.copytree(REPO_ROOT / "deploy" / "terraform", terraform.dir / "tf")
    example = Terraform(terraform.dir / "tf" / "examples" / "tenants", terraform.env)
    assert example("fmt", "-check", "-recursive", "../..").returncode == 0
    example("init", "-input=false")
    assert "Success" in example("validate").stdout
    a, b = new_slug(), new_slug()
    (example.dir / "test.auto.tfvars.json").write_text(json.dumps({"tenants": {
        a: {"name": "Acme", "domains": [f"cams.{a}.test"]}, b: {"name": "Globex"}}}))
    example.apply()
    assert example.clean()
    for host in (f"cams.{a}.test", f"{a}.localhost", f"{b}.localhost"):
        assert httpx.get(f"{control_plane.api}/api/v1/tenant", headers={"Host": host}
                         ).status_code == 200, host
    example("destroy", "-auto-approve", "-input=false")
    for slug in (a, b):
        assert not await schema_exists(services, slug)
        assert httpx.get(f"{control_plane.api}/api/v1/tenant", headers={
            "Host": f"{slug}.localhost"}).status_code == 404
