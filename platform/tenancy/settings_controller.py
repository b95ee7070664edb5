"""``/api/v1/settings/ip-allowlist``: the tenant's CIDR allowlist for its UI and API;
``/api/v1/settings/role-grants``: permissions granted to roles beyond the matrix;
``/api/v1/settings/recording``: retention and storage-tier ages.

The allowlist and the grants are kept on the tenant's control row (they are needed before
anything else runs); every process learns of a change through the tenant-changed channel. A
list that would lock out the admin making the change is refused.
"""

from __future__ import annotations

import dataclasses
from ipaddress import ip_address, ip_network

import msgspec
from litestar import Controller, Request, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.audit.service import Audit
from argus.platform.core.errors import Invalid
from argus.platform.core.forwarded import scope_client_ip
from argus.platform.core.infra import Provided
from argus.platform.identity.guards import needs
from argus.platform.identity.permissions import GRANTABLE
from argus.platform.identity.schemas import IpAllowlist
from argus.platform.recordings.lifecycle import SETTING, RecordingPolicy, load_policy
from argus.platform.tenancy.settings_store import put_setting
from argus.tenants.context import TenantContext
from argus.tenants.service import TenantService


class RecordingPolicyIO(msgspec.Struct, forbid_unknown_fields=True):
    retention_days: int | None = None
    warm_after_days: int = 7
    cold_after_days: int = 30
    chunk_minutes: int = 60
    clip_retention_days: int = 7


class RoleGrantsIO(msgspec.Struct, forbid_unknown_fields=True):
    """Role → permissions granted beyond the matrix, e.g. ``{"viewer": ["clips:export"]}``."""
    grants: dict[str, list[str]]


def _clean_grants(grants: dict[str, list[str]]) -> dict[str, list[str]]:
    clean: dict[str, list[str]] = {}
    for role, perms in grants.items():
        for permission in perms:
            if role not in GRANTABLE.get(permission, ()):
                offered = ", ".join(f"{p} to {'/'.join(sorted(r))}"
                                    for p, r in GRANTABLE.items())
                raise Invalid(f"{permission!r} cannot be granted to {role!r} "
                              f"(grantable: {offered})", field=f"grants.{role}")
        if perms:
            clean[role] = sorted(set(perms))
    return clean


def _grants_of(tenant: TenantContext) -> RoleGrantsIO:
    out: dict[str, list[str]] = {}
    for role, permission in tenant.role_grants:
        out.setdefault(role, []).append(permission)
    return RoleGrantsIO(out)


class TenantSettingsController(Controller):
    path = "/settings"
    tags = ["settings"]

    @get("/ip-allowlist", opt=needs("settings:read"))
    async def get_allowlist(self, tenant: NamedDependency[TenantContext]) -> IpAllowlist:
        return IpAllowlist([str(n) for n in tenant.ip_allowlist])

    @put("/ip-allowlist", opt=needs("settings:write"),
         summary="Replace the allowlist (empty list: every address may connect)")
    async def put_allowlist(self, request: Request, data: JSONBody[IpAllowlist],
                            tenant_service: Provided[TenantService],
                            tenant: NamedDependency[TenantContext],
                            audit: NamedDependency[Audit]) -> IpAllowlist:
        if len(data.ip_allowlist) > 100:
            raise Invalid("at most 100 entries", field="ip_allowlist")
        try:
            networks = sorted({ip_network(c.strip(), strict=False) for c in data.ip_allowlist},
                              key=lambda n: (n.version, n))
        except ValueError:
            raise Invalid("ip_allowlist holds an invalid CIDR", field="ip_allowlist") from None
        caller = scope_client_ip(request.scope)
        if networks and (caller is None
                         or not any(ip_address(caller) in n for n in networks)):
            raise Invalid(f"the list must include your own address ({caller})",
                          field="ip_allowlist")
        cidrs = [str(n) for n in networks]
        audit.record("settings.ip_allowlist", "tenant", tenant.id, detail={"ip_allowlist": cidrs})
        await audit.session.flush()
        await tenant_service.set_ip_allowlist(tenant.slug, cidrs)
        await audit.session.commit()
        return IpAllowlist(cidrs)

    @get("/role-grants", opt=needs("settings:read"),
         summary="Permissions this tenant grants to roles beyond the role matrix")
    async def get_grants(self, tenant: NamedDependency[TenantContext]) -> RoleGrantsIO:
        return _grants_of(tenant)

    @put("/role-grants", opt=needs("settings:write"),
         summary="Replace the grants (e.g. {\"viewer\": [\"clips:export\"]}; {}: none)")
    async def put_grants(self, data: JSONBody[RoleGrantsIO],
                         tenant_service: Provided[TenantService],
                         tenant: NamedDependency[TenantContext],
                         audit: NamedDependency[Audit]) -> RoleGrantsIO:
        grants = _clean_grants(data.grants)
        audit.record("settings.role_grants", "tenant", tenant.id, detail={"grants": grants})
        await audit.session.flush()
        await tenant_service.set_role_grants(tenant.slug, grants)
        await audit.session.commit()
        return RoleGrantsIO(grants)

    @get("/recording", opt=needs("settings:read"),
         summary="Recording retention and storage-tier ages")
    async def get_recording(self, db_session: NamedDependency[AsyncSession]) -> RecordingPolicyIO:
        return RecordingPolicyIO(**dataclasses.asdict(await load_policy(db_session)))

    @put("/recording", opt=needs("settings:write"),
         summary="Set retention days (null: keep), the ages for WARM and COLD and how long "
                 "exported clips are kept")
    async def put_recording(self, data: JSONBody[RecordingPolicyIO],
                            db_session: NamedDependency[AsyncSession],
                            tenant: NamedDependency[TenantContext],
                            audit: NamedDependency[Audit]) -> RecordingPolicyIO:
        policy = RecordingPolicy(**msgspec.structs.asdict(data))
        policy.check()
        value = dataclasses.asdict(policy)
        await put_setting(db_session, SETTING, value)
        audit.record("settings.recording", "tenant", tenant.id, detail=value)
        await db_session.commit()
        return RecordingPolicyIO(**value)
