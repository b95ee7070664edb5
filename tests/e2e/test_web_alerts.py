"""The Webhooks and Notifications pages in Debian's Chromium against the running platform:
an admin adds an endpoint (the secret shown once), sends a test event that a receiver on the
test host verifies with that secret, reads the delivery log and resends; adds an in-app rule
and sees the unread badge change over the events socket when a camera goes offline."""

from __future__ import annotations

from standardwebhooks import Webhook

from argus.platform.cameras.models import Camera
from argus.platform.ingest.live import set_status
from tests.e2e.stack import LiveStack, wait_for
from tests.e2e.test_web_ui import sign_in
from tests.receivers import Receiver


async def test_admin_manages_webhooks_and_sees_notifications_arrive(
        tmp_path, tmp_root, services, tenant_a, chromium, artifacts):
    receiver = Receiver()
    stack = LiveStack(tmp_path, tmp_root, ARGUS_WEBHOOK_ALLOW_PRIVATE="true")
    try:
        await stack.start(services)
        base = f"http://{tenant_a.host}:{stack.api_port}"
        browser = await chromium()
        page = await (await browser.new_context(viewport={"width": 1280, "height": 900})
                      ).new_page()
        page.on("console", lambda m: print("console:", m.type, m.text))
        await sign_in(page, base, tenant_a.emails["admin"], "/webhooks")

        await page.fill("#w-url", receiver.url)
        await page.fill("#w-description", "ops <b>bus</b>")
        await page.check("input[name=event_types][value='webhook.test']")
        await page.click("form[data-form=webhook-create] button[type=submit]")
        await page.wait_for_selector("[data-testid=webhook-secret]", state="visible")
        secret = (await page.text_content("[data-testid=webhook-secret]")).strip()
        assert secret.startswith("whsec_")
        row = page.locator("[data-list=webhooks] tbody tr", has_text=receiver.url)
        await row.wait_for()
        assert "ops <b>bus</b>" in await row.text_content()  # text, not markup

        await row.locator("button", has_text="Send test").click()
        wait_for(lambda: receiver.got, 15, "the test event at the receiver")
        headers, body, _ = receiver.got[0]
        assert Webhook(secret).verify(body, headers)["type"] == "webhook.test"
        deliveries = page.locator("[data-testid=deliveries] tbody tr")
        for _ in range(20):  # the page reloads the log after a moment
            await row.locator("button", has_text="Deliveries").click()
            await page.wait_for_timeout(300)
            if "delivered" in (await deliveries.first.text_content() or ""):
                break
        first = deliveries.first
        assert "delivered" in await first.text_content()
        await first.locator("summary").click()
        assert "HTTP 200" in await first.text_content()
        await first.locator("button", has_text="Resend").click()
        wait_for(lambda: len(receiver.got) >= 2, 15, "the resent delivery")
        assert receiver.got[1][0]["webhook-id"] == headers["webhook-id"]
        await page.screenshot(path=str(artifacts / "webhooks.png"), full_page=True)

        # An in-app rule; a camera going offline raises the badge without a reload.
        await page.goto(base + "/notifications")
        await page.select_option("#r-event", "camera.offline")
        await page.uncheck("input[name=channels][value=email]")
        await page.check("input[name=channels][value=in_app]")
        await page.fill("#r-debounce", "0")
        await page.click("form[data-form=rule-create] button[type=submit]")
        await page.locator("[data-list=rules] tbody tr", has_text="camera.offline").wait_for()
        await page.wait_for_selector("body[data-events=open]", timeout=10_000)
        assert await page.is_hidden("[data-testid=unread]")

        context = await services.resolver.load(tenant_a.id)
        async with services.dbs.tenant_session(context) as session:
            camera = Camera(name="Back gate", status="online")
            session.add(camera)
            await session.commit()
        await set_status(services, context, camera.id, "offline", reason="publisher left")
        await page.wait_for_selector("[data-testid=unread]:not([hidden])", timeout=20_000)
        assert (await page.text_content("[data-testid=unread]")).strip() == "1"
        item = page.locator("[data-testid=inbox] li", has_text="Back gate is offline")
        await item.wait_for()
        incident = page.locator("[data-list=incidents] tbody tr")
        await page.reload()
        await incident.first.wait_for()
        assert "open" in await incident.first.text_content()
        await page.screenshot(path=str(artifacts / "notifications.png"), full_page=True)
        await page.click("[data-action=read-all]")
        await page.wait_for_selector("[data-testid=unread][hidden]", state="attached")
    finally:
        stack.close()
        receiver.close()
