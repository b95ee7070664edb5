"""The provider itself (``terraform-provider-argus``): configured by ``url`` and ``token``
(else ``ARGUS_PROVIDER_URL`` / ``ARGUS_PROVIDER_TOKEN``) and ``delete_timeout`` (seconds a
tenant's deletion may take, default 600). Logs go to stderr: stdout belongs to the plugin
handshake."""

from __future__ import annotations

import os
import sys
from typing import Any

from tf.iface import Config, Provider
from tf.schema import Attribute, Schema
from tf.types import Number, String, Unknown
from tf.utils import Diagnostics

from argus.platform.terraform.client import ApiError, Client
from argus.platform.terraform.data_sources import DATA_SOURCES
from argus.platform.terraform.resources import RESOURCES

SOURCE = "registry.argus.local/argus/argus"  # what configurations put in required_providers
VERSION = "0.1.0"


class ArgusProvider(Provider):
    def __init__(self) -> None:
        self.client: Client | None = None
        self.delete_timeout = 600.0

    def full_name(self) -> str:
        return SOURCE

    def get_model_prefix(self) -> str:
        return "argus_"

    def get_provider_schema(self, diags: Diagnostics) -> Schema:
        return Schema(attributes=[
            Attribute("url", String(), optional=True,
                      description="The provider API's base URL, e.g. "
                                  "http://provider.localhost:8000 (ARGUS_PROVIDER_URL)."),
            Attribute("token", String(), optional=True, sensitive=True,
                      description="A provider API key (ARGUS_PROVIDER_TOKEN)."),
            Attribute("delete_timeout", Number(), optional=True,
                      description="Seconds to wait for a tenant's deletion (default 600)."),
        ])

    def validate_config(self, diags: Diagnostics, config: Config) -> None:
        timeout = config.get("delete_timeout")
        if isinstance(timeout, int | float) and timeout <= 0:
            diags.add_error("delete_timeout must be positive", path=["delete_timeout"])

    def configure_provider(self, diags: Diagnostics, config: Config) -> None:
        def value(name: str, env: str) -> Any:
            given = config.get(name)
            return os.environ.get(env) if given is None or given is Unknown else given

        url, token = value("url", "ARGUS_PROVIDER_URL"), value("token", "ARGUS_PROVIDER_TOKEN")
        if not url:
            diags.add_error("the argus provider needs url (or ARGUS_PROVIDER_URL)",
                            path=["url"])
        if not token:
            diags.add_error("the argus provider needs token (or ARGUS_PROVIDER_TOKEN)",
                            path=["token"])
        if config.get("delete_timeout") not in (None, Unknown):
            self.delete_timeout = float(config["delete_timeout"])
        if url and token:
            try:
                self.client = Client(url, token)
            except ApiError as exc:
                diags.add_error(exc.detail, path=["url"])

    def get_data_sources(self) -> list[Any]:
        return list(DATA_SOURCES)

    def get_resources(self) -> list[Any]:
        return list(RESOURCES)


def main() -> None:
    from tf.runner import run_provider

    sys.stdout.flush()
    run_provider(ArgusProvider(), sys.argv)


if __name__ == "__main__":
    main()
