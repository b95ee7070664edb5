"""The provider API (``/provider/v1``) and provider API keys."""

from argus.platform.provider.controller import ProviderTenantController
from argus.platform.provider.nodes import ProviderNodeController

__all__ = ["ProviderNodeController", "ProviderTenantController"]
