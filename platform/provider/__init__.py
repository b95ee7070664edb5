"""The provider API (``/provider/v1``) and provider API keys."""

from argus.platform.provider.controller import ProviderTenantController

__all__ = ["ProviderTenantController"]
