"""A real SMTP server (aiosmtpd) and a small fake of Twilio's Messages endpoint on the test
host, and services that send through them."""

from __future__ import annotations

import dataclasses

import pytest

from argus.platform.cameras.models import Camera
from argus.platform.services import CTX_KEY, Services
from tests.receivers import TWILIO_SID, FakeTwilio, SmtpInbox

SID, TOKEN = TWILIO_SID, "test-token"


@pytest.fixture
def smtp_inbox():
    inbox = SmtpInbox()
    inbox.controller.start()
    yield inbox, inbox.port
    inbox.controller.stop()


@pytest.fixture
def twilio():
    fake = FakeTwilio()
    yield fake
    fake.close()


@pytest.fixture
async def alert_services(control, smtp_inbox, twilio):
    """Services mailing through the SMTP server and texting through the fake, SMS cap 2."""
    _, port = smtp_inbox
    settings = dataclasses.replace(
        control,
        mail=dataclasses.replace(control.mail, transport="smtp", smtp_port=port),
        alerts=dataclasses.replace(control.alerts, sms_daily_cap=2, twilio_account_sid=SID,
                                   twilio_auth_token=TOKEN, twilio_from="+15550000000",
                                   twilio_api_base=twilio.url))
    services = Services.build(settings)
    yield services
    await services.close()


def worker_ctx(services) -> dict:
    return {CTX_KEY: services}


async def add_camera(services, tenant, name: str = "Front door", tags=None) -> str:
    """An online camera."""
    context = await services.resolver.load(tenant.id)
    async with services.dbs.tenant_session(context) as session:
        camera = Camera(name=name, tags=tags, status="online")
        session.add(camera)
        await session.commit()
        return camera.id
