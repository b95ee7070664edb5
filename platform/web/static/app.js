/* Argus pages: calls to /api/v1 with the session cookie and CSRF header, live events,
   video (hls.js for live, MP4 for recordings). Everything a tenant or user typed is put into
   the page with textContent, never as HTML. */
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)argus_csrf=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

/* The access cookie is short-lived; the refresh cookie (sent to /api/v1/auth only) renews it.
   Calls that fail together share one refresh: a refresh token is used once, and a second use
   of it would end the session. */
let refreshing = null;
function refreshSession() {
  if (!csrf()) return Promise.resolve(false);
  if (!refreshing) {
    refreshing = fetch("/api/v1/auth/refresh", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() }, body: "{}" })
      .then((res) => res.ok, () => false)
      .finally(() => { setTimeout(() => { refreshing = null; }, 1000); });
  }
  return refreshing;
}

async function api(method, path, body, raw, retried) {
  const headers = { "X-CSRF-Token": csrf() };
  let payload;
  if (raw) payload = raw;
  else if (body !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
  const res = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (res.status === 401 && !path.startsWith("/api/v1/auth/") && !path.startsWith("/api/v1/shares/")) {
    if (!retried && await refreshSession()) return api(method, path, body, raw, true);
    location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
  }
  return { ok: res.ok, status: res.status, data };
}

function showError(form, result) {
  const box = $(".error", form);
  if (!box) return;
  const d = result.data || {};
  box.textContent = (d.field ? d.field + ": " : "") + (d.detail || "Something went wrong (" + result.status + ")");
  box.hidden = false;
}

function clearError(form) { const box = $(".error", form); if (box) box.hidden = true; }

function flash(text) {
  const box = $(".flash");
  if (!box) return;
  box.textContent = text;
  box.hidden = false;
  setTimeout(() => { box.hidden = true; }, 5000);
}

function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.type === "submit" || el.type === "file") continue;
    if (el.type === "checkbox") {
      if (el.name === "scopes" || el.dataset.many !== undefined) { (out[el.name] = out[el.name] || []); if (el.checked) out[el.name].push(el.value); }
      else out[el.name] = el.checked;
    } else out[el.name] = el.value;
  }
  return out;
}

function fill(root, data) {
  for (const el of $$("[data-field]", root)) {
    const v = data[el.dataset.field];
    if (v === undefined) continue;
    if (Array.isArray(v)) { el.replaceChildren(...v.map((t) => { const li = document.createElement("li"); li.textContent = t; return li; })); }
    else if (el.tagName === "A") { el.href = v; el.textContent = v; }
    else if (el.tagName === "TEXTAREA") el.value = v;
    else el.textContent = v;
  }
}

function cell(text) { const td = document.createElement("td"); td.textContent = text == null ? "" : String(text); return td; }
function button(label, handler) {
  const b = document.createElement("button"); b.type = "button"; b.textContent = label;
  b.addEventListener("click", handler); return b;
}
function row(...cells) { const tr = document.createElement("tr"); tr.append(...cells); return tr; }

/* --- forms ------------------------------------------------------------------------------ */

const forms = {
  async login(form) {
    const v = formValues(form);
    const r = await api("POST", "/api/v1/auth/login", { email: v.email, password: v.password, cookie: true });
    if (!r.ok) return showError(form, r);
    location.href = form.dataset.next || "/";
  },
  async forgot(form) {
    const r = await api("POST", "/api/v1/auth/password-reset", { email: formValues(form).email });
    if (!r.ok) return showError(form, r);
    flash("If the address belongs to an account, a reset link is on its way.");
  },
  async reset(form) {
    const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
    const r = await api("POST", "/api/v1/auth/password-reset/confirm", { token, password: formValues(form).password });
    if (!r.ok) return showError(form, r);
    location.href = "/login";
  },
  async invite(form) {
    const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
    const v = formValues(form);
    const r = await api("POST", "/api/v1/auth/invite/accept", { token, password: v.password, name: v.name || null });
    if (!r.ok) return showError(form, r);
    location.href = "/login";
  },
  async "camera-create"(form) {
    const v = formValues(form);
    const body = { name: v.name, vendor: v.vendor, location: v.location || null, ingest_mode: v.ingest_mode, record: v.record };
    if (v.ingest_mode === "rtsp_pull") body.rtsp_url = v.rtsp_url;
    const r = await api("POST", "/api/v1/cameras", body);
    if (!r.ok) return showError(form, r);
    const created = $(".created");
    const ingest = r.data.ingest || {};
    fill(created, { rtmp_url: ingest.rtmp_url || "", stream_key: ingest.stream_key || "(pulled over RTSP)",
                    setup_hints: ingest.setup_hints || [], link: "/cameras/" + r.data.camera.id });
    $("[data-field=link]", created).textContent = "Open " + r.data.camera.name;
    created.hidden = false;
    form.reset();
  },
  async "camera-edit"(form) {
    const v = formValues(form);
    const r = await api("PATCH", "/api/v1/cameras/" + form.dataset.camera,
                        { name: v.name, location: v.location || null, enabled: v.enabled, record: v.record });
    if (!r.ok) return showError(form, r);
    flash("Saved.");
    $(".camera-title").textContent = r.data.name;
  },
  async share(form) {
    const v = formValues(form);
    const expires = new Date(Date.now() + Number(v.hours) * 3600 * 1000).toISOString();
    const r = await api("POST", "/api/v1/cameras/" + form.dataset.camera + "/shares", { expires_at: expires, live_only: v.live_only });
    if (!r.ok) return showError(form, r);
    const box = $(".share-result");
    fill(box, { url: r.data.url, embed: r.data.embed_html });
    box.hidden = false;
  },
  async "user-invite"(form) {
    const r = await api("POST", "/api/v1/users", formValues(form));
    if (!r.ok) return showError(form, r);
    flash("Invitation sent."); form.reset(); lists.users();
  },
  async "token-create"(form) {
    const v = formValues(form);
    const r = await api("POST", "/api/v1/api-tokens", { name: v.name, scopes: v.scopes || [] });
    if (!r.ok) return showError(form, r);
    const box = $(".secret"); fill(box, { secret: r.data.secret }); box.hidden = false;
    form.reset(); lists.tokens();
  },
  async brand(form) {
    const v = formValues(form);
    for (const k of ["support_email", "support_url", "email_sender_name"]) if (!v[k]) v[k] = null;
    const r = await api("PATCH", "/api/v1/branding", v);
    if (!r.ok) return showError(form, r);
    location.reload();
  },
  async logo(form) {
    const data = new FormData(form);
    const r = await api("PUT", "/api/v1/branding/logo", undefined, data);
    if (!r.ok) return showError(form, r);
    location.reload();
  },
  async grants(form) {
    const grants = formValues(form).viewer_clips ? { viewer: ["clips:export"] } : {};
    const r = await api("PUT", "/api/v1/settings/role-grants", { grants });
    if (!r.ok) return showError(form, r);
    flash("Permissions saved.");
  },
  async "domain-add"(form) {
    const r = await api("POST", "/api/v1/domains", formValues(form));
    if (!r.ok) return showError(form, r);
    form.reset(); lists.domains();
  },
  async "webhook-create"(form) {
    const v = formValues(form);
    const r = await api("POST", "/api/v1/webhooks", { url: v.url, description: v.description,
      event_types: (v.event_types || []).length ? v.event_types : null });
    if (!r.ok) return showError(form, r);
    const box = $(".secret"); fill(box, { secret: r.data.secret }); box.hidden = false;
    form.reset(); lists.webhooks();
  },
  async "webhook-recover"(form) {
    const since = new Date(formValues(form).since).toISOString();
    const r = await api("POST", "/api/v1/webhooks/" + form.dataset.endpoint + "/recover", { since });
    if (!r.ok) return showError(form, r);
    flash(r.data.recovered + " failed deliveries will be sent again.");
    showDeliveries({ id: form.dataset.endpoint, url: $("[data-deliveries] [data-field=url]").textContent });
  },
  async "rule-create"(form) {
    const v = formValues(form);
    const list = (text) => (text || "").split(",").map((x) => x.trim()).filter(Boolean);
    const body = { name: v.name, event_type: v.event_type, scope: v.scope, channels: v.channels || [],
      recipients: { roles: v.roles || [], emails: list(v.emails), phones: list(v.phones) },
      debounce_seconds: Number(v.debounce_seconds || 0), cooldown_seconds: Number(v.cooldown_seconds || 0),
      notify_recovery: v.notify_recovery };
    if (v.scope === "tag") body.tag = v.tag;
    if (v.scope === "cameras") body.camera_ids = list(v.camera_ids);
    const r = await api("POST", "/api/v1/notification-rules", body);
    if (!r.ok) return showError(form, r);
    flash("Rule added."); lists.rules();
  },
  async clip(form) {
    const v = formValues(form);
    const at = (t) => form.dataset.day + "T" + (t.length === 5 ? t + ":00" : t) + "Z";
    const r = await api("POST", "/api/v1/cameras/" + form.dataset.camera + "/clips", { from: at(v.from), to: at(v.to) });
    if (!r.ok) return showError(form, r);
    const status = $(".clip-status");
    const poll = async () => {
      const c = await api("GET", "/api/v1/clips/" + r.data.id);
      if (!c.ok) { status.textContent = "The clip could not be read."; return; }
      if (c.data.state === "ready" && c.data.download_url) {
        status.replaceChildren("Clip ready: ");
        const a = document.createElement("a"); a.href = c.data.download_url; a.textContent = "download"; status.append(a);
      } else if (c.data.state === "failed") status.textContent = "The export failed: " + (c.data.failure_reason || "");
      else { status.textContent = "Exporting… " + (c.data.progress || 0) + "%"; setTimeout(poll, 1500); }
    };
    poll();
  },
};

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-form]");
  if (!form || !forms[form.dataset.form]) return;
  event.preventDefault();
  clearError(form);
  forms[form.dataset.form](form);
});

/* --- buttons ---------------------------------------------------------------------------- */

const actions = {
  async logout() { await api("POST", "/api/v1/auth/logout", {}); location.href = "/login"; },
  async bulk(btn) {
    const ids = $$("input[name=selected]:checked").map((el) => el.value);
    if (!ids.length) return flash("Select cameras first.");
    const op = btn.dataset.op;
    const r = await api("POST", "/api/v1/cameras/bulk", { items: ids.map((id) => ({ op, id })) });
    if (!r.ok) return flash((r.data && r.data.detail) || "Failed");
    flash(r.data.succeeded + " changed, " + r.data.failed + " failed.");
    setTimeout(() => location.reload(), 600);
  },
  async "rotate-key"(btn) {
    if (!confirm("The current key stops working now. Continue?")) return;
    const r = await api("POST", "/api/v1/cameras/" + btn.dataset.camera + "/stream-key");
    if (!r.ok) return flash((r.data && r.data.detail) || "Failed");
    const box = $(".revealed"); fill(box, r.data); box.hidden = false;
  },
  async "play-recording"(btn) { playAt(btn.dataset.at); },
  async "read-all"() {
    const r = await api("POST", "/api/v1/notifications/read", {});
    if (r.ok) { setUnread(r.data.unread); lists.inbox(); }
  },
  async print() { window.print(); },
  async download(btn) {
    const r = await api("GET", "/api/v1/recordings/" + btn.dataset.recording + "/download");
    if (r.ok) location.href = r.data.url; else flash((r.data && r.data.detail) || "Failed");
  },
};

document.addEventListener("click", (event) => {
  const btn = event.target.closest("[data-action]");
  if (!btn || !actions[btn.dataset.action]) return;
  actions[btn.dataset.action](btn);
});

/* --- live status ------------------------------------------------------------------------ */

function addThumb(thumb, cameraId) {
  if ($("img", thumb)) return;
  const img = document.createElement("img"); img.alt = ""; img.dataset.thumb = "";
  img.src = "/api/v1/cameras/" + cameraId + "/thumbnail?t=" + Date.now();
  img.addEventListener("error", () => img.remove());  // none yet: the placeholder shows
  thumb.append(img);
}

function setStatus(cameraId, status) {
  for (const el of $$('[data-camera="' + CSS.escape(cameraId) + '"]')) {
    el.dataset.status = status;
    const badge = el.classList.contains("status-badge") ? el : $(".status-badge", el);
    if (badge) badge.textContent = status;
    const thumb = $(".thumb", el);
    if (thumb && status === "online") addThumb(thumb, cameraId);
  }
  document.dispatchEvent(new CustomEvent("argus:camera-status", { detail: { cameraId, status } }));
}

/* System alerts (an ingest node in trouble, ...): newest first, the last five kept. */
function showAlert(event) {
  const list = $("[data-alerts]");
  if (!list) return;
  const li = document.createElement("li");
  li.className = "alert " + (event.severity || "info");
  li.textContent = (event.at ? new Date(event.at).toLocaleTimeString() + " — " : "") + (event.message || "");
  list.prepend(li);
  while (list.children.length > 5) list.lastChild.remove();
}

function connectEvents() {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const socket = new WebSocket(scheme + location.host + "/api/v1/events");
  socket.addEventListener("message", (msg) => {
    let event; try { event = JSON.parse(msg.data); } catch (e) { return; }
    if (event.type === "camera-status") setStatus(event.cameraId, event.status);
    if (event.type === "system-alert") showAlert(event);
    if (event.type === "notification") { setUnread(event.unread); lists.inbox(); }
    if (event.type === "dashboard-update" && event.cameras) {
      for (const [status, n] of Object.entries(event.cameras)) {
        const dd = $('[data-count="' + status + '"]'); if (dd) dd.textContent = n;
      }
    }
  });
  // 4429: this user has too many sockets open (other tabs): try again later, the session is
  // fine. Otherwise the access cookie may have expired: renew it, then reconnect.
  socket.addEventListener("close", (closed) => {
    if (closed.code === 4429) { setTimeout(connectEvents, 30000); return; }
    setTimeout(async () => { await refreshSession(); connectEvents(); }, 2000);
  });
  document.body.dataset.events = "connecting";
  socket.addEventListener("open", () => { document.body.dataset.events = "open"; });
}

/* Thumbnails of live tiles refresh every 10 s. */
function refreshThumbs() {
  for (const tile of $$("li.tile[data-status=online]")) {
    const img = $("img[data-thumb]", tile);
    if (img) img.src = img.src.split("?")[0] + "?t=" + Date.now();
    else addThumb($(".thumb", tile), tile.dataset.camera);
  }
}

/* --- video ------------------------------------------------------------------------------ */

let liveHls = null;
async function startLive(video) {
  const note = $("[data-player-note]");
  const r = await api("GET", "/api/v1/streaming/hls/" + video.dataset.liveVideo);
  if (!r.ok) { if (note) note.textContent = (r.data && r.data.detail) || "Not live"; return; }
  if (note) note.textContent = "";
  playHls(video, r.data.abr_url || r.data.url);
}

function playHls(video, url) {
  if (liveHls) { liveHls.destroy(); liveHls = null; }
  if (window.Hls && Hls.isSupported()) {
    liveHls = new Hls({ liveSyncDurationCount: 2 });
    liveHls.on(Hls.Events.ERROR, (_, data) => { if (data.fatal) setTimeout(() => playHls(video, url), 2000); });
    liveHls.loadSource(url);
    liveHls.attachMedia(video);
  } else video.src = url;
  video.play().catch(() => {});
}

async function playAt(at) {
  const video = $("[data-playback]");
  const timeline = $("[data-timeline]");
  const note = $("[data-player-note]");
  const r = await api("GET", "/api/v1/cameras/" + timeline.dataset.camera + "/playback?at=" + encodeURIComponent(at));
  if (!r.ok) { note.textContent = (r.data && r.data.detail) || "Nothing recorded then"; return; }
  note.textContent = "Playing from " + r.data.recording.started_at;
  video.src = r.data.url;
  video.addEventListener("loadedmetadata", () => { video.currentTime = r.data.offset_s; video.play().catch(() => {}); }, { once: true });
}

/* A recorded span on a day's timeline; a very short one is drawn 0.2 % wide to stay clickable. */
function placeSpan(button, startMs, endMs, dayStartMs) {
  button.style.left = ((startMs - dayStartMs) / 864000) + "%";
  button.style.width = Math.max((endMs - startMs) / 864000, 0.2) + "%";
}

function setupTimeline(timeline) {
  const dayStart = new Date(timeline.dataset.dayStart).getTime();
  for (const span of $$(".span", timeline)) {
    placeSpan(span, new Date(span.dataset.at).getTime(), new Date(span.dataset.end).getTime(), dayStart);
    span.addEventListener("click", (e) => {
      e.stopPropagation();
      const rect = timeline.getBoundingClientRect();
      const start = new Date(timeline.dataset.dayStart).getTime();
      const at = new Date(start + (e.clientX - rect.left) / rect.width * 86400000);
      // A short span is drawn wider than it lasts: play the part of it the click is nearest.
      const first = new Date(span.dataset.at), last = new Date(new Date(span.dataset.end).getTime() - 1000);
      playAt((at < first ? first : at > last ? (last < first ? first : last) : at).toISOString());
    });
  }
}

/* --- share pages (no sign-in: the token in the URL is the credential) ------------------- */

async function startShare(main) {
  const token = main.dataset.share;
  const video = $("[data-share-video]");
  const note = $("[data-player-note]");
  const live = async () => {
    const r = await api("GET", "/api/v1/shares/" + encodeURIComponent(token) + "/live");
    if (!r.ok) { note.textContent = r.status === 410 ? "This link has expired." : "The camera is not live right now."; if (r.status === 409) setTimeout(live, 5000); return; }
    note.textContent = "";
    playHls(video, r.data.abr_url || r.data.url);
  };
  actions["share-live"] = live;
  await live();
  const timeline = $("[data-share-timeline]");
  if (!timeline || main.dataset.liveOnly === "true") return;
  const picker = $("[data-share-day]");
  picker.value = new Date().toISOString().slice(0, 10);
  const load = async () => {
    const day = picker.value;
    const r = await api("GET", "/api/v1/shares/" + encodeURIComponent(token) + "/timeline?day=" + encodeURIComponent(day));
    timeline.replaceChildren();
    if (!r.ok) { note.textContent = (r.data && r.data.detail) || "Recordings are not available"; return; }
    $("[data-share-empty]").hidden = r.data.spans.length > 0;
    const dayStart = new Date(day + "T00:00:00Z").getTime();
    for (const s of r.data.spans) {
      const b = document.createElement("button");
      b.type = "button"; b.className = "span"; b.dataset.testid = "span";
      placeSpan(b, new Date(s.start).getTime(), new Date(s.end).getTime(), dayStart);
      b.setAttribute("aria-label", "Play from " + s.start);
      b.addEventListener("click", async () => {
        const p = await api("GET", "/api/v1/shares/" + encodeURIComponent(token) + "/playback?at=" + encodeURIComponent(s.start));
        if (!p.ok) { note.textContent = (p.data && p.data.detail) || "Not available"; return; }
        if (liveHls) { liveHls.destroy(); liveHls = null; }
        video.src = p.data.url;
        video.play().catch(() => {});
      });
      timeline.append(b);
    }
  };
  picker.addEventListener("change", load);
  await load();
}

/* --- lists (admin pages) ---------------------------------------------------------------- */

const lists = {
  async users() {
    const body = $("[data-list=users] tbody"); if (!body) return;
    const r = await api("GET", "/api/v1/users?limit=200"); if (!r.ok) return;
    body.replaceChildren(...r.data.items.map((u) => {
      const role = document.createElement("select");
      role.setAttribute("aria-label", "Role of " + u.name);
      for (const name of ["viewer", "operator", "admin", "api_only"]) { const o = new Option(name, name, false, u.role === name); role.add(o); }
      role.addEventListener("change", async () => { const x = await api("PATCH", "/api/v1/users/" + u.id, { role: role.value }); flash(x.ok ? "Role changed." : (x.data && x.data.detail) || "Failed"); });
      const td = document.createElement("td"); td.append(role);
      const remove = button("Remove", async () => { if (confirm("Remove " + u.email + "?")) { await api("DELETE", "/api/v1/users/" + u.id); lists.users(); } });
      const act = document.createElement("td"); act.append(remove);
      return row(cell(u.name), cell(u.email), td, cell(u.state), act);
    }));
  },
  async tokens() {
    const body = $("[data-list=tokens] tbody"); if (!body) return;
    const r = await api("GET", "/api/v1/api-tokens"); if (!r.ok) return;
    body.replaceChildren(...r.data.items.map((t) => {
      const act = document.createElement("td");
      act.append(button("Revoke", async () => { await api("DELETE", "/api/v1/api-tokens/" + t.id); lists.tokens(); }));
      return row(cell(t.name), cell(t.scopes.join(", ")), cell(t.last_used_at || "never"), cell(t.expires_at || "never"), act);
    }));
  },
  async audit(cursor) {
    const body = $("[data-list=audit] tbody"); if (!body) return;
    const r = await api("GET", "/api/v1/audit-logs?limit=100" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "")); if (!r.ok) return;
    if (!cursor) body.replaceChildren();
    body.append(...r.data.items.map((a) => row(cell(a.occurred_at), cell(a.actor_label || a.actor_type), cell(a.action),
                                             cell([a.resource_type, a.resource_id].filter(Boolean).join(" ")), cell(a.result))));
    const more = $("[data-action=more-audit]");
    if (more) { more.hidden = !r.data.next_cursor; more.onclick = () => lists.audit(r.data.next_cursor); }
  },
  async webhooks() {
    const body = $("[data-list=webhooks] tbody"); if (!body) return;
    const r = await api("GET", "/api/v1/webhooks?limit=100"); if (!r.ok) return;
    body.replaceChildren(...r.data.items.map((w) => {
      const act = document.createElement("td");
      const base = "/api/v1/webhooks/" + w.id;
      act.append(button("Send test", async () => { const x = await api("POST", base + "/test"); flash(x.ok ? "Test event queued." : (x.data && x.data.detail) || "Failed"); setTimeout(() => showDeliveries(w), 1500); }),
                 button("Deliveries", () => showDeliveries(w)),
                 button(w.enabled ? "Disable" : "Enable", async () => { await api("PATCH", base, { enabled: !w.enabled }); lists.webhooks(); }),
                 button("Rotate secret", async () => {
                   if (!confirm("A new secret signs from now on; the old one also signs for 24 hours. Continue?")) return;
                   const x = await api("POST", base + "/rotate-secret", { grace_seconds: 86400 });
                   if (x.ok) { const box = $(".secret"); fill(box, { secret: x.data.secret }); box.hidden = false; lists.webhooks(); }
                 }),
                 button("Delete", async () => { if (confirm("Delete " + w.url + "?")) { await api("DELETE", base); lists.webhooks(); } }));
      const state = w.enabled ? "enabled" : "disabled" + (w.disabled_reason ? ": " + w.disabled_reason : "");
      return row(cell(w.url + (w.description ? " — " + w.description : "")), cell(w.event_types ? w.event_types.join(", ") : "every event"), cell(state), act);
    }));
  },
  async inbox() {
    const list = $("[data-list=inbox]");
    if (!list && !$("[data-unread]")) return;  // not signed in (a share page, sign-in)
    const r = await api("GET", "/api/v1/notifications?limit=" + (list ? 50 : 1));
    if (!r.ok) return;
    setUnread(r.data.unread);
    if (!list) return;
    list.replaceChildren(...r.data.items.map((n) => {
      const li = document.createElement("li"); li.className = n.read_at ? "read" : "unread";
      const title = document.createElement(n.link ? "a" : "strong"); title.textContent = n.title;
      if (n.link) title.href = n.link;
      const when = document.createElement("time"); when.textContent = " " + new Date(n.created_at).toLocaleString();
      const text = document.createElement("p"); text.textContent = n.body;
      li.append(title, when, text);
      if (!n.read_at) li.append(button("Mark read", async () => { const x = await api("POST", "/api/v1/notifications/read", { ids: [n.id] }); if (x.ok) { setUnread(x.data.unread); lists.inbox(); } }));
      return li;
    }));
    $("[data-empty=inbox]").hidden = r.data.items.length > 0;
  },
  async rules() {
    const body = $("[data-list=rules] tbody"); if (!body) return;
    const r = await api("GET", "/api/v1/notification-rules?limit=100"); if (!r.ok) return;
    body.replaceChildren(...r.data.items.map((x) => {
      const act = document.createElement("td");
      const path = "/api/v1/notification-rules/" + x.id;
      act.append(button(x.enabled ? "Pause" : "Resume", async () => { await api("PATCH", path, { enabled: !x.enabled }); lists.rules(); }),
                 button("Delete", async () => { if (confirm("Delete the rule " + x.name + "?")) { await api("DELETE", path); lists.rules(); } }));
      const scope = x.scope === "all" ? "all" : x.scope === "tag" ? "tag " + x.tag : x.camera_ids.length + " listed";
      return row(cell(x.name), cell(x.event_type), cell(scope), cell(x.channels.join(", ")), cell(x.debounce_seconds + " s"), cell(x.enabled ? "on" : "paused"), act);
    }));
  },
  async incidents() {
    const body = $("[data-list=incidents] tbody"); if (!body) return;
    const r = await api("GET", "/api/v1/incidents?limit=50"); if (!r.ok) return;
    body.replaceChildren(...r.data.items.map((i) => {
      const sent = i.messages.map((m) => m.phase + " " + m.channel + " " + m.recipient + ": " + m.state + (m.error ? " (" + m.error + ")" : ""));
      const info = document.createElement("td"); info.append(sent.length ? details(sent.length + " message(s)", sent.join("\n")) : "none");
      return row(cell(i.started_at), cell(i.event_type), cell(i.camera_id || ""), cell(i.state + (i.reason ? " — " + i.reason : "")), info);
    }));
  },
  async domains() {
    const body = $("[data-list=domains] tbody"); if (!body) return;
    const r = await api("GET", "/api/v1/domains"); if (!r.ok) return;
    body.replaceChildren(...r.data.items.map((d) => {
      const how = d.verification ? "TXT " + d.verification.dns.name + " = " + d.verification.dns.value : "set by the provider";
      const act = document.createElement("td");
      if (d.state !== "verified") act.append(button("Verify now", async () => { await api("POST", "/api/v1/domains/" + d.domain + "/verify"); lists.domains(); }));
      if (d.source === "tenant") act.append(button("Remove", async () => { await api("DELETE", "/api/v1/domains/" + d.domain); lists.domains(); }));
      return row(cell(d.domain), cell(d.state + (d.reason ? " (" + d.reason + ")" : "")), cell(how), act);
    }));
  },
};

/* --- webhooks and notifications ------------------------------------------------------- */

function setUnread(count) {
  const badge = $("[data-unread]"); if (!badge) return;
  badge.textContent = count; badge.hidden = !count;
}

function details(summary, ...lines) {
  const d = document.createElement("details"); const s = document.createElement("summary");
  s.textContent = summary; d.append(s);
  for (const text of lines) { const pre = document.createElement("pre"); pre.textContent = text; d.append(pre); }
  return d;
}

async function showDeliveries(endpoint, cursor) {
  const box = $("[data-deliveries]"); if (!box) return;
  fill(box, { url: endpoint.url }); box.hidden = false;
  $("form[data-form=webhook-recover]", box).dataset.endpoint = endpoint.id;
  const body = $("tbody", box);
  const r = await api("GET", "/api/v1/webhooks/" + endpoint.id + "/deliveries?limit=20" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
  if (!r.ok) return flash((r.data && r.data.detail) || "Failed");
  if (!cursor) body.replaceChildren();
  for (const d of r.data.items) {
    const act = document.createElement("td");
    act.append(button("Resend", async () => {
      const x = await api("POST", "/api/v1/webhooks/" + endpoint.id + "/deliveries/" + d.id + "/resend");
      flash(x.ok ? "Queued again (same webhook-id)." : (x.data && x.data.detail) || "Failed");
      setTimeout(() => showDeliveries(endpoint), 1500);
    }));
    const attempts = d.attempt_log.map((a) => a.at + "  " + (a.status_code == null ? "no answer" : "HTTP " + a.status_code) +
      "  " + a.latency_ms + " ms" + (a.error ? "  " + a.error : "") + (a.response ? "\n  " + a.response : ""));
    const info = document.createElement("td");
    info.append(details(String(d.attempts), "webhook-id: " + d.id + "\n" + d.body, ...attempts));
    body.append(row(cell(d.created_at), cell(d.event_type), cell(d.state), info, cell(d.last_status == null ? "" : d.last_status), act));
  }
  const more = $("[data-action=more-deliveries]", box);
  more.hidden = !r.data.next_cursor; more.onclick = () => showDeliveries(endpoint, r.data.next_cursor);
}

async function loadBrandForm(form) {
  const r = await api("GET", "/api/v1/branding"); if (!r.ok) return;
  for (const el of form.elements) if (el.name && r.data[el.name] != null) el.value = r.data[el.name];
  showHexValues(form);
}

/* A colour input shows its colour and, beside it, its hex value (kept in step). */
function showHexValues(form) {
  for (const out of form.querySelectorAll("output[data-hex-of]")) {
    const input = document.getElementById(out.dataset.hexOf);
    const show = () => { out.textContent = input.value.toUpperCase(); };
    input.addEventListener("input", show);
    show();
  }
}

/* --- start ------------------------------------------------------------------------------ */

// A camera's availability as a step chart (uPlot, served from /vendor/uplot) in the brand's
// colours; the page's outage table is its text alternative.
function drawUptime(box) {
  const points = JSON.parse($("[data-uptime-series]").textContent);
  const style = getComputedStyle(document.documentElement);
  const colour = style.getPropertyValue("--brand-primary").trim() || "#1f4e79";
  const draw = () => {
    box.replaceChildren();
    new uPlot({
      width: Math.max(box.clientWidth, 300), height: 160,
      scales: { y: { range: [0, 1.05] } },
      axes: [{}, { values: (u, ticks) => ticks.map((t) => (t === 1 ? "up" : t === 0 ? "down" : "")), splits: () => [0, 1] }],
      series: [{}, { label: "online", stroke: colour, fill: colour + "33", width: 2, paths: uPlot.paths.stepped({ align: 1 }) }],
      legend: { show: false },
    }, [points.map((p) => p[0]), points.map((p) => p[1])], box);
  };
  draw();
  window.addEventListener("resize", draw);
}

document.addEventListener("DOMContentLoaded", async () => {
  const signIn = $("form[data-form=login]");
  if (signIn && await refreshSession()) { location.replace(signIn.dataset.next || "/"); return; }
  if ($("[data-live-events]")) { connectEvents(); setInterval(refreshThumbs, 10000); }
  else if ($("[data-unread]")) connectEvents();  // new notifications arrive on the socket
  for (const img of $$("img[data-thumb]")) img.addEventListener("error", () => img.remove());
  const live = $("[data-live-video]");
  if (live) {
    startLive(live);
    document.addEventListener("argus:camera-status", (e) => {
      if (e.detail.cameraId === live.dataset.liveVideo && e.detail.status === "online") startLive(live);
    });
  }
  const timeline = $("[data-timeline]"); if (timeline) setupTimeline(timeline);
  const uptime = $("[data-uptime-chart]"); if (uptime && window.uPlot) drawUptime(uptime);
  const shared = $("[data-share]"); if (shared) startShare(shared);
  for (const name of Object.keys(lists)) lists[name]();
  const brand = $("form[data-form=brand]"); if (brand) loadBrandForm(brand);
});
