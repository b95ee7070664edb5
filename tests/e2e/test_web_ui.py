"""The web app in Debian's Chromium against the running platform (``argus serve``, worker,
``argus ingest run`` with real nginx-rtmp and ffmpeg): what a tenant admin and an end viewer
do, the way they do it. Screenshots land in ``tests/artifacts/``."""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argus.platform.core.keys import events_channel
from argus.platform.recordings.models import Recording
from tests.integration.conftest import PASSWORD

PLAYING = """sel => { const v = document.querySelector(sel);
    return v && v.videoWidth > 0 && v.currentTime > %s; }"""


async def sign_in(page, base: str, email: str, path: str = "/") -> None:
    await page.goto(base + path)
    assert "/login" in page.url  # not signed in yet: the page sends us to sign in
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.press("#password", "Enter")  # the keyboard is enough
    await page.wait_for_url(base + path)


async def add_recording(services, tenant, camera_id: str, tmp: Path) -> datetime:
    """A ready 12-second recording from an hour ago (the ingest path has its own tests)."""
    mp4 = tmp / "rec.mp4"
    subprocess.run(["ffmpeg", "-y", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "testsrc2=size=640x360:rate=25:duration=12", "-c:v", "libx264", "-preset",
                    "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(mp4)],
                   check=True)
    start = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    if start.date() != datetime.now(UTC).date():  # keep it on today's timeline
        start = datetime.now(UTC).replace(hour=0, minute=0, second=5, microsecond=0)
    key = f"recordings/{start:%Y/%m/%d}/{camera_id}/{start:%Y%m%dT%H%M%SZ}.mp4"
    await services.storage.put_file(f"argus-t-{tenant.slug}", key, mp4, "video/mp4")
    maker = services.dbs.for_tenant(tenant)
    async with maker() as session:
        session.add(Recording(camera_id=camera_id, started_at=start,
                              ended_at=start + timedelta(seconds=12), duration_s=12.0,
                              size_bytes=mp4.stat().st_size, object_key=key, state="ready",
                              source=f"ui-test-{uuid.uuid4().hex}", video_codec="h264",
                              width=640, height=360))
        await session.commit()
    return start


async def test_admin_adds_a_camera_sees_it_go_live_plays_it_and_shares_it(
        stack, tenant_a, services, chromium, artifacts, tmp_path):
    base = f"http://{tenant_a.host}:{stack.api_port}"
    browser = await chromium()
    admin = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
    admin.on("console", lambda m: print("admin console:", m.type, m.text))
    await sign_in(admin, base, tenant_a.emails["admin"], "/cameras")

    name = "Loading dock " + "x" * 46  # 60 characters must not break the layout
    await admin.fill("#c-name", name)
    await admin.select_option("#c-vendor", "hikvision")
    await admin.click("form[data-form=camera-create] button[type=submit]")
    await admin.wait_for_selector("[data-testid=created]", state="visible", timeout=10_000)
    key = (await admin.text_content("[data-testid=stream-key]")).strip()
    assert len(key) > 20
    assert await admin.locator(".created ol li").count() >= 2  # vendor set-up hints

    await admin.goto(base + "/")
    await admin.wait_for_selector("body[data-events=open]", timeout=10_000)
    tile = admin.locator("li.tile", has_text=name)
    assert await tile.get_attribute("data-status") == "offline"
    stack.publish(key)
    # The tile turns online over the events socket, without a reload.
    await admin.wait_for_selector("li.tile[data-status=online]", timeout=30_000)
    await admin.wait_for_function("() => document.querySelector('[data-count=online]')"
                                  ".textContent === '1'")
    assert await admin.text_content("[data-count=recording]") == "1"  # "record" was ticked
    # System alerts of the tenant's nodes show up on the dashboard, as text.
    channel = events_channel(services.settings.database.control_schema, tenant_a.id)
    await services.redis.publish(channel, json.dumps({
        "type": "system-alert", "severity": "error", "node": "n1",
        "message": "recording directory not writable <b>", "at": "2026-11-24T10:00:00+00:00"}))
    await admin.wait_for_selector("[data-alerts] li.alert.error", timeout=10_000)
    assert "not writable <b>" in await admin.text_content("[data-alerts] li")
    # Its thumbnail appears within seconds, still without a reload.
    await admin.wait_for_function("""() => { const i = document.querySelector(
        'li.tile img[data-thumb]'); return i && i.complete && i.naturalWidth > 0; }""",
                                  timeout=30_000)
    await admin.screenshot(path=str(artifacts / "dashboard-live.png"), full_page=True)

    await tile.locator("a").click()
    await admin.wait_for_function(PLAYING % 1, arg="video[data-live-video]", timeout=40_000)
    await admin.screenshot(path=str(artifacts / "live-view.png"))

    # A share link plays in a fresh context with no session; live-only reaches no recordings.
    await admin.click("form[data-form=share] button[type=submit]")
    await admin.wait_for_selector("[data-testid=share-url]", state="visible", timeout=10_000)
    share_url = (await admin.text_content("[data-testid=share-url]")).strip()
    viewer = await (await browser.new_context()).new_page()
    await viewer.goto(share_url)
    assert "/login" not in viewer.url
    await viewer.wait_for_function(PLAYING % 1, arg="video[data-share-video]", timeout=40_000)
    assert await viewer.locator("nav").count() == 0  # no admin chrome
    token = share_url.rsplit("/", 1)[1]
    refused = await viewer.evaluate(
        "t => fetch('/api/v1/shares/' + t + '/timeline').then(r => r.status)", token)
    assert refused == 403

    # Recordings: the day's timeline shows the span; playing it advances.
    camera_id = admin.url.rsplit("/", 1)[1]
    await add_recording(services, tenant_a, camera_id, tmp_path)
    await admin.goto(f"{base}/cameras/{camera_id}/recordings")
    span = admin.locator("[data-testid=span]")
    assert await span.count() == 1
    # The hour labels sit at their times: 12:00 at the middle, 18:00 at three quarters.
    bar = await admin.locator("[data-timeline]").bounding_box()
    for hour, fraction in ((12, 0.5), (18, 0.75), (6, 0.25)):
        label = await admin.locator(f".hours [data-hour='{hour}']").bounding_box()
        centre = label["x"] + label["width"] / 2
        assert abs(centre - (bar["x"] + bar["width"] * fraction)) < 3, (hour, label, bar)
    await span.first.click()
    await admin.wait_for_function(PLAYING % 2, arg="video[data-playback]", timeout=30_000)
    await admin.screenshot(path=str(artifacts / "recordings.png"), full_page=True)
    # Export a clip of part of it: the worker cuts it, the page offers the download.
    started = await add_recording_start(admin)
    await admin.fill("#clip-from", (started + timedelta(seconds=2)).strftime("%H:%M:%S"))
    await admin.fill("#clip-to", (started + timedelta(seconds=8)).strftime("%H:%M:%S"))
    await admin.click("form[data-form=clip] button[type=submit]")
    await admin.wait_for_selector(".clip-status a", timeout=60_000)
    clip_url = await admin.get_attribute(".clip-status a", "href")
    clip = await admin.evaluate("u => fetch(u).then(r => r.arrayBuffer()).then(b => b.byteLength)",
                                clip_url)
    assert clip > 10_000

    # Rename the camera on its page.
    await admin.goto(f"{base}/cameras/{camera_id}")
    # A share link with recordings: the viewer picks the recorded span and it plays.
    await admin.uncheck("form[data-form=share] input[name=live_only]")
    await admin.click("form[data-form=share] button[type=submit]")
    await admin.wait_for_selector("[data-testid=share-url]", state="visible")
    full_share = (await admin.text_content("[data-testid=share-url]")).strip()
    guest = await (await browser.new_context()).new_page()
    await guest.goto(full_share)
    await guest.locator("[data-share-timeline] [data-testid=span]").first.click()
    await guest.wait_for_function("""() => { const v = document.querySelector(
        'video[data-share-video]'); return v && v.src.includes('/recordings/')
        && v.currentTime > 2; }""", timeout=30_000)

    await admin.fill("#e-name", "Loading dock (north)")
    await admin.click("form[data-form=camera-edit] button[type=submit]")
    await admin.wait_for_function(
        "() => document.querySelector('.camera-title').textContent === 'Loading dock (north)'")

    # The link expires: the same URL shows the branded expired page.
    await stack_expire_shares(services, tenant_a)
    await viewer.goto(share_url)
    assert await viewer.is_visible("[data-testid=link-expired]")


async def add_recording_start(page) -> datetime:
    """The start of the first recording in the page's table (UTC)."""
    at = await page.get_attribute("[data-action=play-recording]", "data-at")
    return datetime.fromisoformat(at)


async def stack_expire_shares(services, tenant) -> None:
    from sqlalchemy import update

    from argus.platform.sharing.models import Share

    maker = services.dbs.for_tenant(tenant)
    async with maker() as session:
        await session.execute(update(Share).values(
            expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        await session.commit()


async def test_usage_and_billing_page_and_a_printable_invoice(stack, tenant_a, tenant_b,
                                                              services, chromium, artifacts):
    from argus.billing.invoices import Invoice
    from argus.billing.ledger import append_events

    today = datetime.now(UTC)
    invoice = Invoice(tenant_id=tenant_a.id, period="2026-10", open_period="2026-10",
                      state="finalized", currency="USD", total=2010, finalized_at=today,
                      due_at=today + timedelta(days=14), lines=[
                          {"kind": "cameras", "plan": "standard", "description":
                           "cameras beyond 0 included, 2026-10-01..2026-10-31",
                           "quantity": "45 camera-days", "unit_amount": 500, "amount": 726},
                          {"kind": "storage", "plan": "standard", "description":
                           "storage beyond 100 GB-month included", "quantity":
                           "120 GB-month", "unit_amount": 3, "amount": 1284}])
    async with services.dbs.control_session() as control:
        control.add(invoice)
        await append_events(control, [dict(
            tenant_id=tenant_a.id, meter="camera_minutes", idempotency_key=f"ui{d}",
            day=(today - timedelta(days=d)).date(), seconds=600.0 * (d + 1), bytes=0,
            created_at=today) for d in range(5)])
        await control.commit()
    base = f"http://{tenant_a.host}:{stack.api_port}"
    browser = await chromium()
    admin = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
    await sign_in(admin, base, tenant_a.emails["admin"], "/billing")
    assert "Plan: standard" in await admin.text_content("[data-testid=plan]")
    assert await admin.locator(".usage-chart rect").count() == 2 * 30
    await admin.screenshot(path=str(artifacts / "usage-billing.png"), full_page=True)
    await admin.click(f"a[href='/billing/invoices/{invoice.id}']")
    await admin.wait_for_selector("[data-testid=invoice]")
    assert (await admin.text_content("[data-testid=invoice-total]")).strip() == "20.10 USD"
    await admin.emulate_media(media="print")
    assert not await admin.is_visible("header.topbar")  # the printed page is the invoice alone
    await admin.screenshot(path=str(artifacts / "invoice-print.png"), full_page=True)

    other = await (await browser.new_context()).new_page()
    await sign_in(other, f"http://{tenant_b.host}:{stack.api_port}", tenant_b.emails["admin"],
                  "/billing")
    assert "20.10" not in await other.content()
    answer = await other.goto(f"http://{tenant_b.host}:{stack.api_port}/billing/invoices/"
                              f"{invoice.id}")
    assert answer.status == 404
