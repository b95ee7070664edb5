"""The admin app's Webhooks page (endpoints, the secret shown once, the event filter, the
delivery log with request and response detail, resend, test, recover) and Notifications page
(the signed-in user's in-app notifications; for admins also the rules and recent incidents).
The pages are shells: app.js fills them from the same ``/api/v1`` routes integrations use."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from argus.platform.alerts.models import CHANNELS
from argus.platform.alerts.rules import RULE_EVENTS
from argus.platform.core.guards import needs
from argus.platform.core.permissions import ROLES
from argus.platform.web.render import render
from argus.platform.webhooks.events import EVENT_TYPES
from argus.tenants.context import TenantContext


class AlertPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/webhooks", opt=needs("webhooks:manage"))
    async def webhooks(self, request: Request[Any, Any, Any],
                       tenant: NamedDependency[TenantContext]) -> Template:
        return await render(request, tenant, "webhooks.html", event_types=EVENT_TYPES)

    @get("/notifications", opt=needs("notifications:own"))
    async def notifications(self, request: Request[Any, Any, Any],
                            tenant: NamedDependency[TenantContext]) -> Template:
        return await render(request, tenant, "notifications.html", rule_events=RULE_EVENTS,
                            channels=CHANNELS, roles=ROLES)
