"""Data sources: ``argus_tenant`` (one tenant by slug), ``argus_plans`` (every plan),
``argus_ingest_nodes`` (every node). Lists of objects are maps of string maps, keyed by name or
id (``data.argus_plans.all.plans["standard"]["max_cameras"]``)."""

from __future__ import annotations

from typing import Any

from tf.iface import Config, DataSource, ReadDataContext, State
from tf.schema import Attribute, Schema
from tf.types import List, Map, Number, Set, String

from argus.platform.terraform.client import Client, segment
from argus.platform.terraform.resources import TenantResource, configured, report


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class _Base(DataSource):
    def __init__(self, provider: Any) -> None:
        self.provider = provider

    @property
    def client(self) -> Client:
        return configured(self.provider)

    def read(self, ctx: ReadDataContext, config: Config) -> State | None:
        try:
            return self.fetch(ctx, config)
        except Exception as exc:
            report(ctx.diagnostics, exc, self.get_schema(), f"read {ctx.type_name}")
            return None

    def fetch(self, ctx: ReadDataContext, config: Config) -> State | None:
        raise NotImplementedError


class TenantData(_Base):
    @classmethod
    def get_name(cls) -> str:
        return "tenant"

    @classmethod
    def get_schema(cls) -> Schema:
        return Schema(attributes=[
            Attribute("slug", String(), required=True),
            Attribute("name", String(), computed=True),
            Attribute("plan", String(), computed=True),
            Attribute("domains", Set(String()), computed=True),
            Attribute("db_cluster", String(), computed=True),
            Attribute("api_rate_limit", Number(), computed=True),
            Attribute("state", String(), computed=True),
            Attribute("id", String(), computed=True),
            Attribute("created_at", String(), computed=True),
        ])

    def fetch(self, ctx: ReadDataContext, config: Config) -> State | None:
        out = self.client.call("GET", f"/provider/v1/tenants/{segment(config['slug'])}")
        return TenantResource._state(out)


class PlansData(_Base):
    @classmethod
    def get_name(cls) -> str:
        return "plans"

    @classmethod
    def get_schema(cls) -> Schema:
        return Schema(attributes=[
            Attribute("names", List(String()), computed=True),
            Attribute("plans", Map(Map(String())), computed=True,
                      description="name → field → value as text (empty: unlimited)"),
        ])

    def fetch(self, ctx: ReadDataContext, config: Config) -> State | None:
        items = self.client.call("GET", "/provider/v1/plans/")["items"]
        return {"names": [p["name"] for p in items],
                "plans": {p["name"]: {k: _text(v) for k, v in p.items()} for p in items}}


class IngestNodesData(_Base):
    @classmethod
    def get_name(cls) -> str:
        return "ingest_nodes"

    @classmethod
    def get_schema(cls) -> Schema:
        return Schema(attributes=[
            Attribute("ids", List(String()), computed=True),
            Attribute("nodes", Map(Map(String())), computed=True,
                      description="id → field → value as text"),
        ])

    def fetch(self, ctx: ReadDataContext, config: Config) -> State | None:
        items = self.client.call("GET", "/provider/v1/ingest-nodes/")["items"]
        return {"ids": [n["id"] for n in items],
                "nodes": {n["id"]: {k: _text(v) for k, v in n.items()} for n in items}}


DATA_SOURCES = [TenantData, PlansData, IngestNodesData]
