"""Health endpoints and per-request logging."""

from argus.platform.observability.health import HealthController
from argus.platform.observability.request_log import RequestLogMiddleware

__all__ = ["HealthController", "RequestLogMiddleware"]
