"""The tenant side of a request: resolve the host, open the tenant's session, the profile route."""

from argus.platform.tenancy.controller import TenantProfileController
from argus.platform.tenancy.dependencies import (
    TENANT_DEPENDENCIES,
    provide_tenant,
    provide_tenant_session,
)

__all__ = ["TENANT_DEPENDENCIES", "TenantProfileController", "provide_tenant",
           "provide_tenant_session"]
