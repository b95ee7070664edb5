"""``/api/v1/settings/ip-allowlist``: the tenant's CIDR allowlist for its UI and API;
``/api/v1/settings/role-grants``: permissions granted to roles beyond the matrix.

Both are kept on the tenant's control row (they are needed before anything else runs); every
process learns of a change through the tenant-changed channel. A list that would lock out the
admin making the change is refused.
"""

from __future__ import annotations

from ipaddress import ip_address, ip_network

from litestar import Controller, Request, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from argus.platform.audit.service import Audit
from argus.platform.core.di import Provided
from argus.platform.core.errors import Invalid
from argus.platform.core.forwarded import scope_client_ip
from argus.platform.core.guards import needs
from argus.platform.core.permissions import clean_grants
from argus.platform.identity.schemas import IpAllowlist, RoleGrants
from argus.tenants.context import TenantContext
from argus.tenants.service import TenantService


class AccessSettingsController(Controller):
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
    async def get_grants(self, tenant: NamedDependency[TenantContext]) -> RoleGrants:
        return RoleGrants.of(tenant)

    @put("/role-grants", opt=needs("settings:write"),
         summary="Replace the grants (e.g. {\"viewer\": [\"clips:export\"]}; {}: none)")
    async def put_grants(self, data: JSONBody[RoleGrants],
                         tenant_service: Provided[TenantService],
                         tenant: NamedDependency[TenantContext],
                         audit: NamedDependency[Audit]) -> RoleGrants:
        grants = clean_grants(data.grants)
        audit.record("settings.role_grants", "tenant", tenant.id, detail={"grants": grants})
        await audit.session.flush()
        await tenant_service.set_role_grants(tenant.slug, grants)
        await audit.session.commit()
        return RoleGrants(grants)
