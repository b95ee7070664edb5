"""Brands, custom domains, escaping and roles in Chromium against ``argus serve``.

Two tenants on two hosts render two brands (name, colours, logo; screenshots in
``tests/artifacts/``); a custom domain mapped with ``--host-resolver-rules`` serves its tenant
only once verified (a real DNS server on 127.0.0.1 holds the TXT record); names with markup
render as text and no script runs; a viewer sees no admin controls and gets 403s.
"""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.stack import LiveStack
from tests.e2e.test_web_ui import sign_in
from tests.integration.conftest import png_bytes
from tests.unit.test_brand_images import EVIL_SVG

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
async def server(tmp_path, tmp_root, services, dns_server):
    """Only the control plane: these pages need no ingest node."""
    stack = LiveStack(tmp_path, tmp_root, ARGUS_DNS_NAMESERVERS=dns_server.address,
                      ARGUS_DOMAIN_CHECK_ALLOW_PRIVATE="1", ARGUS_DOMAIN_CHECK_TIMEOUT="2")
    stack.start_server()
    yield stack
    stack.close()


def api(server, tenant, token=None):
    headers = {"Host": tenant.host}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(base_url=server.api, headers=headers, timeout=10)


def admin_token(server, tenant, role="admin") -> str:
    from tests.integration.conftest import PASSWORD

    response = api(server, tenant).post("/api/v1/auth/login", json={
        "email": tenant.emails[role], "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def watch_dialogs(page) -> list[str]:
    seen: list[str] = []

    async def answer(dialog):  # confirmations are accepted; every dialog is recorded
        seen.append(f"{dialog.type}: {dialog.message}")
        await (dialog.accept() if dialog.type == "confirm" else dialog.dismiss())

    page.on("dialog", answer)
    return seen


async def test_two_tenants_two_brands_and_a_verified_custom_domain(
        server, tenant_a, tenant_b, services, chromium, artifacts, dns_server):
    a = api(server, tenant_a, admin_token(server, tenant_a))
    b = api(server, tenant_b, admin_token(server, tenant_b))
    assert a.patch("/api/v1/branding", json={
        "product_name": "Acme Cams", "primary_color": "#0b3d91",
        "accent_color": "#ffb000"}).status_code == 200
    assert a.put("/api/v1/branding/logo", content=png_bytes((64, 32), "#e02020")).is_success
    assert b.patch("/api/v1/branding", json={
        "product_name": "Globex Vision", "primary_color": "#14532d",
        "theme": "dark"}).status_code == 200
    assert b.put("/api/v1/branding/logo", content=EVIL_SVG).is_success  # sanitized

    domain = f"cams.{tenant_a.slug}.test"
    browser = await chromium(f"--host-resolver-rules=MAP {domain} 127.0.0.1")
    page = await browser.new_page()
    dialogs = watch_dialogs(page)
    seen = {}
    for tenant, name, rgb in ((tenant_a, "Acme Cams", "rgb(11, 61, 145)"),
                              (tenant_b, "Globex Vision", "rgb(20, 83, 45)")):
        await page.goto(f"http://{tenant.host}:{server.api_port}/login")
        assert await page.text_content("[data-testid=product-name]") == name
        assert await page.title() == f"Sign in · {name}"
        background = await page.eval_on_selector(
            ".topbar", "el => getComputedStyle(el).backgroundColor")
        assert background == rgb
        logo = await page.eval_on_selector(".topbar .logo", "el => [el.src, el.naturalWidth]")
        assert logo[1] > 0
        seen[name] = logo[0]
        await page.screenshot(path=str(artifacts / f"brand-{name.split()[0].lower()}.png"))
    assert seen["Acme Cams"] != seen["Globex Vision"]
    await page.goto(f"http://{tenant_b.host}:{server.api_port}" + seen["Globex Vision"].split(
        str(server.api_port), 1)[1])  # the sanitized SVG opened on its own runs nothing
    assert dialogs == []

    # The custom domain: nothing there until verified, then tenant A in A's brand.
    added = a.post("/api/v1/domains", json={"domain": domain}).json()
    custom = f"http://{domain}:{server.api_port}/login"
    response = await page.goto(custom)
    assert response.status == 404
    dns_server.records[(f"_argus-challenge.{domain}", "TXT")] = [
        added["verification"]["token"]]
    assert a.post(f"/api/v1/domains/{domain}/verify").json()["state"] == "verified"
    response = await page.goto(custom)
    assert response.status == 200
    assert await page.text_content("[data-testid=product-name]") == "Acme Cams"
    await page.screenshot(path=str(artifacts / "brand-custom-domain.png"))


async def test_markup_in_names_renders_as_text_and_viewers_see_no_admin_controls(
        server, tenant_a, services, chromium, artifacts):
    token = admin_token(server, tenant_a)
    a = api(server, tenant_a, token)
    camera_id = a.post("/api/v1/cameras", json={"name": XSS}).json()["camera"]["id"]
    assert a.post("/api/v1/users", json={"email": f"x@{tenant_a.slug}.example", "name": XSS,
                                         "role": "viewer"}).status_code == 201
    await services.tenant_service.update(tenant_a.slug, name=XSS)
    # The theme takes hex colours only: CSS cannot be smuggled into it.
    refused = a.patch("/api/v1/branding", json={"primary_color": "#000;}body{display:none"})
    assert refused.status_code == 422 and refused.json()["field"] == "primary_color"

    browser = await chromium()
    base = f"http://{tenant_a.host}:{server.api_port}"
    admin = await (await browser.new_context()).new_page()
    dialogs = watch_dialogs(admin)
    await sign_in(admin, base, tenant_a.emails["admin"])
    for path in ("/", "/cameras", f"/cameras/{camera_id}", "/users"):
        await admin.goto(base + path)
        await admin.wait_for_load_state("networkidle")
        assert await admin.locator(f"text={XSS}").count() >= 1, path  # shown, as text
        assert await admin.locator("img[src=x]").count() == 0, path
    assert await admin.text_content("[data-testid=tenant-name]") == XSS
    # Every form control has a label, and every page is usable at 60 characters of name.
    for path in ("/", "/cameras", f"/cameras/{camera_id}", f"/cameras/{camera_id}/recordings",
                 "/users", "/tokens", "/audit", "/settings"):
        await admin.goto(base + path)
        await admin.wait_for_load_state("networkidle")
        unlabelled = await admin.evaluate("""() => Array.from(document.querySelectorAll(
            'input:not([type=hidden]), select, textarea')).filter(el => !el.labels.length
            && !el.getAttribute('aria-label')).map(el => el.outerHTML)""")
        assert unlabelled == [], (path, unlabelled)
    theme = await admin.evaluate("() => fetch('/theme.css').then(r => r.text())")
    assert theme.count("{") == 1 and "display" not in theme
    assert dialogs == []

    # A phone-sized viewer: no admin navigation, no camera controls, 403 from admin endpoints.
    viewer_context = await browser.new_context(viewport={"width": 390, "height": 844})
    viewer = await viewer_context.new_page()
    await sign_in(viewer, base, tenant_a.emails["viewer"])
    assert await viewer.locator("nav a[data-admin]").count() == 0
    await viewer.goto(f"{base}/cameras/{camera_id}")
    for control in ("[data-action=rotate-key]", "form[data-form=camera-edit]",
                    "form[data-form=share]"):
        assert await viewer.locator(control).count() == 0, control
    await viewer.goto(f"{base}/cameras")
    assert await viewer.locator("form[data-form=camera-create]").count() == 0
    assert await viewer.locator("[data-action=bulk]").count() == 0
    width = await viewer.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390 + 1, "the page must not scroll sideways on a phone"
    for path, method in (("/api/v1/users", "GET"), ("/api/v1/cameras", "POST"),
                         (f"/api/v1/cameras/{camera_id}/stream-key", "POST"),
                         ("/api/v1/branding", "PATCH")):
        status, code = await viewer.evaluate("""([path, method]) => fetch(path, {method,
            headers: {'Content-Type': 'application/json', 'X-CSRF-Token':
            (document.cookie.match(/argus_csrf=([^;]+)/) || [])[1] || ''},
            body: method === 'GET' ? undefined : '{}'})
            .then(async r => [r.status, (await r.json()).code])""", [path, method])
        # refused for the role (not for a missing CSRF token, which is a 403 too)
        assert (status, code) == (403, "forbidden"), (path, method, status, code)
    response = await viewer.goto(f"{base}/settings")
    assert response.status == 403
    await viewer.screenshot(path=str(artifacts / "viewer-phone.png"), full_page=True)


async def test_admin_pages_do_what_they_say(server, tenant_a, services, chromium, artifacts):
    """Invite someone (the mail's link sets their password), create an API token (shown once),
    upload a logo through the form, add a domain, let viewers export clips, change the brand
    colour, disable cameras in bulk, rotate a stream key; and an expired access cookie renews
    itself."""
    import re

    token = admin_token(server, tenant_a)
    a = api(server, tenant_a, token)
    ids = [a.post("/api/v1/cameras", json={"name": f"Bulk {i}"}).json()["camera"]["id"]
           for i in range(2)]
    browser = await chromium()
    base = f"http://{tenant_a.host}:{server.api_port}"
    context = await browser.new_context()
    page = await context.new_page()
    dialogs = watch_dialogs(page)
    await sign_in(page, base, tenant_a.emails["admin"], "/users")

    newcomer = f"new-{tenant_a.slug}@x.example"
    await page.fill("#u-name", "New Person")
    await page.fill("#u-email", newcomer)
    await page.select_option("#u-role", "operator")
    await page.click("form[data-form=user-invite] button[type=submit]")
    await page.wait_for_selector(f"[data-list=users] td:text-is('{newcomer}')")
    mail_log = server.logs["server"].read_text()
    link = re.search(r"(/invite#token=[A-Za-z0-9._~-]+)", mail_log).group(1)
    invited = await (await browser.new_context()).new_page()
    await invited.goto(base + link)
    await invited.fill("#password", "a-long-new-password-1")
    await invited.click("form[data-form=invite] button[type=submit]")
    await invited.wait_for_url(base + "/login")
    await invited.fill("#email", newcomer)
    await invited.fill("#password", "a-long-new-password-1")
    await invited.click("form[data-form=login] button[type=submit]")
    await invited.wait_for_url(base + "/")

    await page.goto(base + "/tokens")
    await page.fill("#t-name", "ci")
    await page.check("input[name=scopes][value='cameras:read']")
    await page.click("form[data-form=token-create] button[type=submit]")
    await page.wait_for_selector("[data-testid=token-secret]", state="visible")
    secret = (await page.text_content("[data-testid=token-secret]")).strip()
    listed = httpx.get(f"{server.api}/api/v1/cameras", headers={
        "Host": tenant_a.host, "Authorization": f"Bearer {secret}"})
    assert listed.status_code == 200

    await page.goto(base + "/settings")
    logo = artifacts / "upload-logo.png"
    logo.write_bytes(png_bytes((48, 24), "#00a0e0"))
    await page.set_input_files("#b-logo", str(logo))
    await page.click("form[data-form=logo] button[type=submit]")
    await page.wait_for_load_state("load")
    await page.wait_for_function("() => document.querySelector('.topbar .logo')"
                                 ".src.includes('v=') && !document.querySelector("
                                 "'.topbar .logo').src.includes('default')")
    await page.fill("#d-domain", f"www.{tenant_a.slug}.test")
    await page.click("form[data-form=domain-add] button[type=submit]")
    await page.wait_for_selector("[data-list=domains] td:text-is('pending')")
    # Permissions: the admin lets viewers export clips, and the page shows it after a reload.
    assert a.get("/api/v1/settings/role-grants").json() == {"grants": {}}
    await page.check("form[data-form=grants] input[name=viewer_clips]")
    await page.click("form[data-form=grants] button[type=submit]")
    await page.wait_for_selector("text=Permissions saved.")
    assert a.get("/api/v1/settings/role-grants").json() == {
        "grants": {"viewer": ["clips:export"]}}
    await page.reload()
    assert await page.is_checked("form[data-form=grants] input[name=viewer_clips]")
    # The colour fields show their colour (a swatch, not a thin line) and its hex value.
    await page.wait_for_function("() => /^#[0-9A-F]{6}$/.test(document.querySelector("
                                 "'output[data-hex-of=b-primary]').textContent)")
    box = await page.locator("#b-primary").bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24, box
    await page.eval_on_selector("#b-primary", "el => { el.value = '#7a1f1f'; "
                                "el.dispatchEvent(new Event('input')); }")
    assert await page.text_content("output[data-hex-of=b-primary]") == "#7A1F1F"
    await page.screenshot(path=str(artifacts / "settings-brand-colours.png"))
    await page.click("form[data-form=brand] button[type=submit]")
    await page.wait_for_function("() => getComputedStyle(document.querySelector('.topbar'))"
                                 ".backgroundColor === 'rgb(122, 31, 31)'")

    await page.goto(base + "/cameras")
    for camera_id in ids:
        await page.check(f"input[name=selected][value='{camera_id}']")
    await page.click("[data-action=bulk][data-op=disable]")
    await page.wait_for_function("() => document.querySelector('.flash').textContent"
                                 ".startsWith('2 changed')")
    for camera_id in ids:
        assert a.get(f"/api/v1/cameras/{camera_id}").json()["enabled"] is False
    # Filters narrow the list in place (htmx), by text and by tag.
    a.patch(f"/api/v1/cameras/{ids[1]}", json={"tags": ["dock"]})
    await page.fill("#f-q", "Bulk 1")
    await page.wait_for_function("() => document.querySelectorAll('#camera-rows tr').length"
                                 " === 1")
    await page.fill("#f-q", "")
    await page.fill("#f-tag", "dock")
    await page.wait_for_function("() => { const rows = document.querySelectorAll("
                                 "'#camera-rows tr'); return rows.length === 1 && "
                                 "rows[0].textContent.includes('Bulk 1'); }")

    dialogs_before = len(dialogs)
    await page.goto(f"{base}/cameras/{ids[0]}")
    await page.click("[data-action=rotate-key]")
    await page.wait_for_selector(".revealed", state="visible")
    assert len((await page.text_content(".revealed [data-field=stream_key]")).strip()) > 20
    assert dialogs[dialogs_before:] == [
        "confirm: The current key stops working now. Continue?"]  # it asked first

    # An expired access cookie: the page renews the session instead of signing out.
    await context.clear_cookies(name="argus_access")
    await page.goto(base + "/cameras")
    await page.wait_for_url(base + "/cameras")
    assert await page.locator("form[data-form=camera-create]").count() == 1
    await page.screenshot(path=str(artifacts / "admin-cameras.png"), full_page=True)


async def test_a_session_cookie_opens_the_events_socket_only_from_its_own_pages(
        server, tenant_a, tenant_b):
    """Other tenants' pages are on the same site (subdomains): the Origin must be the host."""
    import json

    import websockets

    from tests.integration.conftest import PASSWORD

    login = api(server, tenant_a).post("/api/v1/auth/login", json={
        "email": tenant_a.emails["admin"], "password": PASSWORD, "cookie": True})
    cookie = f"argus_access={login.cookies['argus_access']}"

    async def connect(origin: str):
        return await websockets.connect(
            f"ws://{tenant_a.host}/api/v1/events", host="127.0.0.1", port=server.api_port,
            origin=origin, additional_headers={"Cookie": cookie})

    own = await connect(f"http://{tenant_a.host}")
    try:
        hello = json.loads(await own.recv())
        assert hello == {"type": "subscribed", "tenant": tenant_a.slug}
    finally:
        await own.close()
    for origin in (f"http://{tenant_b.host}", "http://evil.example"):
        with pytest.raises((websockets.exceptions.InvalidStatus,
                            websockets.exceptions.ConnectionClosed)):
            refused = await connect(origin)
            await refused.recv()
