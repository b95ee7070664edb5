"""The provider's resources: ``argus_tenant``, ``argus_plan``, ``argus_ingest_node``,
``argus_provider_key``. Each maps Terraform's create/read/update/delete onto the provider API;
an API error becomes a diagnostic on the attribute the API named (its ``field``), never a
traceback, and a failed update or delete leaves Terraform's state as it was."""

from __future__ import annotations

import functools
import time
from typing import Any

from tf.iface import (
    CreateContext,
    DeleteContext,
    ImportContext,
    PlanContext,
    ReadContext,
    Resource,
    State,
    UpdateContext,
)
from tf.schema import Attribute, Schema
from tf.types import Bool, Number, Set, String, Unknown
from tf.utils import Diagnostics

from argus.platform.terraform.client import ApiError, Client, segment

# The API's field names that differ from the attribute's.
FIELD_ALIASES = {"domain": "domains", "enabled": "max_cameras"}


def report(diags: Diagnostics, exc: Exception, schema: Schema, what: str) -> None:
    """The error as a diagnostic, on the attribute it names when there is one."""
    if not isinstance(exc, ApiError):
        diags.add_error(f"{what} failed", f"{type(exc).__name__}: {exc}")
        return
    names = {a.name for a in schema.attributes}
    field = FIELD_ALIASES.get(exc.field or "", exc.field)
    detail = f"The provider API answered HTTP {exc.status} ({exc.code})." if exc.status else ""
    diags.add_error(f"{what}: {exc.detail}", detail,
                    path=[field] if field in names else None)


def guarded(what: str, keep_current: bool = True):
    """Turn any failure into a diagnostic; return the current state (update, read, delete) or
    nothing (create)."""

    def wrap(fn):
        @functools.wraps(fn)
        def inner(self, ctx, *args):
            try:
                return fn(self, ctx, *args)
            except Exception as exc:  # every failure is a diagnostic, not a traceback
                report(ctx.diagnostics, exc, self.get_schema(), f"{what} {ctx.type_name}")
                return args[0] if keep_current and args else None
        return inner
    return wrap


def configured(provider: Any) -> Client:
    """The provider's API client; an error when the provider block gave none."""
    if provider.client is None:
        raise ApiError(0, "unconfigured", "the argus provider is not configured "
                       "(url and token, or ARGUS_PROVIDER_URL and ARGUS_PROVIDER_TOKEN)")
    return provider.client


def known(value: Any) -> bool:
    return value is not None and value is not Unknown


class _Base(Resource):
    def __init__(self, provider: Any) -> None:
        self.provider = provider

    @property
    def client(self) -> Client:
        return configured(self.provider)

    def _get(self, path: str) -> dict[str, Any] | None:
        try:
            return self.client.call("GET", path)
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise

    def _delete(self, path: str) -> None:
        """Delete; one that is gone already is deleted."""
        try:
            self.client.call("DELETE", path)
        except ApiError as exc:
            if exc.status != 404:
                raise

    def _found(self, ctx: ImportContext, path: str, what: str) -> dict[str, Any] | None:
        """What an import adopts, or an error saying there is nothing to adopt."""
        out = self._get(path)
        if out is None:
            ctx.diagnostics.add_error(f"no {what} to import", f"Import a {what} by its id.")
        return out


# --- tenants ----------------------------------------------------------------------------------

class TenantResource(_Base):
    @classmethod
    def get_name(cls) -> str:
        return "tenant"

    @classmethod
    def get_schema(cls) -> Schema:
        return Schema(version=1, description="A tenant: its schema, bucket, hosts and plan.",
                      attributes=[
            Attribute("slug", String(), required=True, requires_replace=True,
                      description="Lowercase id; the tenant answers on <slug>.<base domain>. "
                                  "Changing it replaces the tenant."),
            Attribute("name", String(), required=True, description="Display name."),
            Attribute("plan", String(), optional=True, computed=True,
                      description="The plan's name (default: the deployment's default plan)."),
            Attribute("domains", Set(String()), optional=True, computed=True,
                      description="Custom domains set by the provider (verified at once)."),
            Attribute("db_cluster", String(), optional=True, computed=True,
                      requires_replace=True,
                      description="Which database cluster holds its schema (replaces)."),
            Attribute("api_rate_limit", Number(), optional=True, computed=True,
                      description="Requests per caller per window; 0: the plan's or the "
                                  "deployment's."),
            Attribute("state", String(), optional=True, computed=True,
                      description="active or suspended."),
            Attribute("id", String(), computed=True),
            Attribute("created_at", String(), computed=True),
        ])

    @staticmethod
    def _state(out: dict[str, Any]) -> State:
        return {"slug": out["slug"], "name": out["name"], "plan": out["plan"],
                "domains": sorted(out["domains"]), "db_cluster": out["db_cluster"],
                "api_rate_limit": out["api_rate_limit"] or 0, "state": out["state"],
                "id": out["id"], "created_at": out["created_at"]}

    def _path(self, slug: str) -> str:
        return f"/provider/v1/tenants/{segment(slug)}"

    def _put(self, planned: State) -> dict[str, Any]:
        body = {k: planned[k] for k in ("name", "plan", "domains", "db_cluster",
                                        "api_rate_limit") if known(planned.get(k))}
        if "domains" in body:
            body["domains"] = sorted(body["domains"])
        return self.client.call("PUT", self._path(planned["slug"]), body)

    @guarded("create", keep_current=False)
    def create(self, ctx: CreateContext, planned: State) -> State | None:
        slug = planned["slug"]
        if self._get(self._path(slug)) is not None:
            ctx.diagnostics.add_error(
                f"tenant {slug!r} already exists",
                f"It was not made by this configuration. Adopt it instead: terraform import "
                f"argus_tenant.<name> {slug} (or an import block with id = \"{slug}\").",
                path=["slug"])
            return None
        out = self._put(planned)
        if known(planned.get("state")) and planned["state"] != out["state"]:
            out = self.client.call("PATCH", self._path(slug), {"state": planned["state"]})
        return self._state(out)

    @guarded("read")
    def read(self, ctx: ReadContext, current: State) -> State | None:
        out = self._get(self._path(current["slug"]))
        if out is None or out["state"] == "deleting":
            return None  # gone: Terraform plans to create it again
        return self._state(out)

    @guarded("update")
    def update(self, ctx: UpdateContext, current: State, planned: State) -> State | None:
        out = self._put(planned)
        if known(planned.get("state")) and planned["state"] != out["state"]:
            out = self.client.call("PATCH", self._path(planned["slug"]),
                                   {"state": planned["state"]})
        return self._state(out)

    @guarded("delete")
    def delete(self, ctx: DeleteContext, current: State) -> State | None:
        """Delete, then wait until the tenant (schema, bucket, rows) is gone."""
        path = self._path(current["slug"])
        self._delete(path)
        deadline = time.monotonic() + self.provider.delete_timeout
        while self._get(path) is not None:
            if time.monotonic() > deadline:
                raise ApiError(0, "timeout", f"tenant {current['slug']!r} was still being "
                               f"deleted after {self.provider.delete_timeout:.0f} s; run "
                               "terraform destroy again to wait for it", "slug")
            time.sleep(1)
        return None

    @guarded("import", keep_current=False)
    def import_(self, ctx: ImportContext, id: str) -> State | None:
        out = self._found(ctx, self._path(id), f"tenant {id!r}")
        return None if out is None else self._state(out)


# --- plans ------------------------------------------------------------------------------------

# Every field of a plan (argus.billing.plans.Limits; a unit test keeps the two the same), with
# its kind and default: "str", "int" (never null), "limit" (null: unlimited), "bool".
PLAN_FIELDS: list[tuple[str, str, Any]] = [
    ("currency", "str", "USD"), ("price_per_camera_month", "int", 0),
    ("included_cameras", "int", 0), ("max_cameras", "limit", None),
    ("max_bitrate_kbps", "limit", None), ("max_height", "limit", None),
    ("max_retention_days", "limit", None), ("abr_allowed", "bool", True),
    ("low_latency_allowed", "bool", True), ("storage_included_gb", "int", 0),
    ("storage_overage_per_gb_month", "int", 0), ("egress_included_gb", "int", 0),
    ("egress_overage_per_gb", "int", 0), ("clip_exports_per_month", "limit", None),
    ("api_rate_limit", "limit", None), ("custom_domains", "limit", None),
    ("powered_by_removable", "bool", False),
]
_TYPES = {"str": String, "int": Number, "limit": Number, "bool": Bool}


class PlanResource(_Base):
    @classmethod
    def get_name(cls) -> str:
        return "plan"

    @classmethod
    def get_schema(cls) -> Schema:
        attrs = [Attribute("name", String(), required=True, requires_replace=True,
                           description="The plan's name (tenants refer to it).")]
        for name, kind, default in PLAN_FIELDS:
            if kind == "limit":  # null means unlimited: not computed, so null stays null
                attrs.append(Attribute(name, Number(), optional=True,
                                       description="null: unlimited"))
            else:
                attrs.append(Attribute(name, _TYPES[kind](), optional=True, computed=True,
                                       default=default))
        attrs += [Attribute("tenants", Number(), computed=True,
                            description="Tenants on the plan when last read.")]
        return Schema(version=1, attributes=attrs,
                      description="A plan: limits and prices (money in minor units).")

    def _path(self, name: str) -> str:
        return f"/provider/v1/plans/{segment(name)}"

    @staticmethod
    def _state(out: dict[str, Any]) -> State:
        return {"name": out["name"], "tenants": out["tenants"],
                **{name: out[name] for name, _, _ in PLAN_FIELDS}}

    def _put(self, planned: State) -> State:
        body = {name: planned.get(name) if planned.get(name) is not Unknown else default
                for name, _, default in PLAN_FIELDS}
        return self._state(self.client.call("PUT", self._path(planned["name"]), body))

    def plan(self, ctx: PlanContext, current: State | None, planned: State) -> State:
        if current is not None and ctx.changed_fields:
            planned["tenants"] = Unknown  # read back after the update
        return planned

    @guarded("create", keep_current=False)
    def create(self, ctx: CreateContext, planned: State) -> State | None:
        if self._get(self._path(planned["name"])) is not None:
            ctx.diagnostics.add_error(
                f"plan {planned['name']!r} already exists",
                f"Adopt it instead: terraform import argus_plan.<name> {planned['name']}",
                path=["name"])
            return None
        return self._put(planned)

    @guarded("read")
    def read(self, ctx: ReadContext, current: State) -> State | None:
        out = self._get(self._path(current["name"]))
        return None if out is None else self._state(out)

    @guarded("update")
    def update(self, ctx: UpdateContext, current: State, planned: State) -> State | None:
        return self._put(planned)

    @guarded("delete")
    def delete(self, ctx: DeleteContext, current: State) -> State | None:
        self._delete(self._path(current["name"]))
        return None

    @guarded("import", keep_current=False)
    def import_(self, ctx: ImportContext, id: str) -> State | None:
        out = self._found(ctx, self._path(id), f"plan {id!r}")
        return None if out is None else self._state(out)


# --- ingest nodes -----------------------------------------------------------------------------

class IngestNodeResource(_Base):
    @classmethod
    def get_name(cls) -> str:
        return "ingest_node"

    @classmethod
    def get_schema(cls) -> Schema:
        return Schema(version=1, description="A registered ingest node (nginx-rtmp + agent).",
                      attributes=[
            Attribute("id", String(), required=True, requires_replace=True,
                      description="The node's id (`argus ingest run --node`)."),
            Attribute("rtmp_url", String(), required=True,
                      description="What cameras publish to: rtmp://host:port/live"),
            Attribute("hls_url", String(), required=True,
                      description="Where signed HLS URLs point: http(s)://host:port"),
            Attribute("capacity", Number(), optional=True, computed=True, default=100),
            Attribute("state", String(), optional=True, computed=True, default="active",
                      description="active or draining"),
            Attribute("secret", String(), computed=True, sensitive=True,
                      description="ARGUS_NODE_SECRET for the node (known after create only; "
                                  "null for an imported node)."),
        ])

    def _path(self, node_id: str) -> str:
        return f"/provider/v1/ingest-nodes/{segment(node_id)}"

    @staticmethod
    def _state(out: dict[str, Any], secret: Any) -> State:
        return {"id": out["id"], "rtmp_url": out["rtmp_url"], "hls_url": out["hls_url"],
                "capacity": out["capacity"], "state": out["state"], "secret": secret}

    def plan(self, ctx: PlanContext, current: State | None, planned: State) -> State:
        if current is not None:
            planned["secret"] = current.get("secret")  # never changes after create
        return planned

    @guarded("create", keep_current=False)
    def create(self, ctx: CreateContext, planned: State) -> State | None:
        body = {k: planned[k] for k in ("id", "rtmp_url", "hls_url", "capacity", "state")
                if known(planned.get(k))}
        out = self.client.call("POST", "/provider/v1/ingest-nodes/", body)
        return self._state(out["node"], out["secret"])

    @guarded("read")
    def read(self, ctx: ReadContext, current: State) -> State | None:
        out = self._get(self._path(current["id"]))
        return None if out is None else self._state(out, current.get("secret"))

    @guarded("update")
    def update(self, ctx: UpdateContext, current: State, planned: State) -> State | None:
        body = {k: planned[k] for k in ("rtmp_url", "hls_url", "capacity", "state")
                if known(planned.get(k))}
        out = self.client.call("PATCH", self._path(planned["id"]), body)
        return self._state(out, current.get("secret"))

    @guarded("delete")
    def delete(self, ctx: DeleteContext, current: State) -> State | None:
        self._delete(self._path(current["id"]))
        return None

    @guarded("import", keep_current=False)
    def import_(self, ctx: ImportContext, id: str) -> State | None:
        out = self._found(ctx, self._path(id), f"ingest node {id!r}")
        return None if out is None else self._state(out, None)


# --- provider keys ----------------------------------------------------------------------------

class ProviderKeyResource(_Base):
    @classmethod
    def get_name(cls) -> str:
        return "provider_key"

    @classmethod
    def get_schema(cls) -> Schema:
        return Schema(version=1, description="A provider API key (revoked on destroy).",
                      attributes=[
            Attribute("name", String(), required=True, requires_replace=True),
            Attribute("prefix", String(), computed=True,
                      description="The key's public prefix (its id)."),
            Attribute("secret", String(), computed=True, sensitive=True,
                      description="The whole key, known after create only."),
            Attribute("created_at", String(), computed=True),
        ])

    def plan(self, ctx: PlanContext, current: State | None, planned: State) -> State:
        if current is not None:
            planned["secret"] = current.get("secret")
        return planned

    @staticmethod
    def _state(out: dict[str, Any], secret: Any) -> State:
        return {"name": out["name"], "prefix": out["prefix"], "secret": secret,
                "created_at": out["created_at"]}

    @guarded("create", keep_current=False)
    def create(self, ctx: CreateContext, planned: State) -> State | None:
        out = self.client.call("POST", "/provider/v1/provider-keys/", {"name": planned["name"]})
        return self._state(out["key"], out["secret"])

    @guarded("read")
    def read(self, ctx: ReadContext, current: State) -> State | None:
        out = self._get(f"/provider/v1/provider-keys/{segment(current['prefix'])}")
        if out is None or out["revoked_at"] is not None:
            return None
        return self._state(out, current.get("secret"))

    def update(self, ctx: UpdateContext, current: State, planned: State) -> State | None:
        return planned  # name forces replacement; nothing else can change

    @guarded("delete")
    def delete(self, ctx: DeleteContext, current: State) -> State | None:
        self._delete(f"/provider/v1/provider-keys/{segment(current['prefix'])}")
        return None


RESOURCES = [TenantResource, PlanResource, IngestNodeResource, ProviderKeyResource]
