// Sign-in, the day's route, the sync bar and the outbox screen.
import { ApiError, downloadDay, login } from "./api.js";
import { t } from "./i18n.js";
import { drawRoute } from "./map.js";
import { drain, enqueue } from "./outbox.js";
import { esc } from "./record.js";
import { allVisits, deletePhoto, deleteVisit, getVisit, kv, outboxAll, outboxDelete, putVisit } from "./store.js";

export const today = () => new Date().toLocaleDateString("sv-SE");

// The day the phone works on: today's packet, or else the last one downloaded (past midnight on
// a late shift, or a phone whose clock is off, the route and its drafts stay in reach).
export async function workingDay() {
  const date = today();
  const packet = await kv.get(`day:${date}`);
  if (packet) return { date, packet };
  const current = await kv.get("day:current");
  return { date: current || date, packet: current ? await kv.get(`day:${current}`) : null };
}
const view = () => document.getElementById("view");

// Signing in again (the session ran out) keeps everything on the phone; only the officer whose
// records wait may do it, so no record goes out under someone else's name.
export async function renderLogin(go) {
  const previous = (await kv.get("session"))?.user;
  const again = previous ? `<p class="muted" data-testid="login-again">${esc(t("login.again", { name: previous.name }))}</p>` : "";
  view().innerHTML = `<h1>${t("login.title")}</h1>${again}
    <form id="login"><label for="u">${t("login.username")}</label><input id="u" name="username" autocomplete="username" required value="${esc(previous?.username || "")}">
    <label for="p">${t("login.password")}</label><input id="p" name="password" type="password" autocomplete="current-password" required>
    <p class="error" id="err" role="alert"></p><button class="primary" type="submit">${t("login.submit")}</button></form>`;
  document.getElementById("login").onsubmit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    if (!navigator.onLine) return (document.getElementById("err").textContent = t("login.offline"));
    try {
      const waiting = await unsyncedCount();
      if (previous && waiting && form.get("username") !== previous.username)
        return (document.getElementById("err").textContent = t("login.other_user", { name: previous.name, count: waiting }));
      await login(form.get("username"), form.get("password"));
      go("#/");
      drain({ force: true });
    } catch (error) {
      document.getElementById("err").textContent = t("login.failed", { detail: error.message });
    }
  };
}

export async function renderDay(go) {
  const { date, packet } = await workingDay();
  const entries = await outboxAll();
  const stateOf = Object.fromEntries(entries.map((e) => [e.visitId, e.state]));
  let html = `<h1>${t("day.title", { date })}</h1>
    <button class="primary" data-testid="download">${t("day.download")}</button><p class="error" id="err" role="alert"></p>`;
  if (date !== today()) html += `<p class="notice" data-testid="other-day">${esc(t("day.other_day", { date, today: today() }))}</p>`;
  if (!packet) html += `<p>${t("day.not_downloaded")}</p>`;
  else if (!packet.route) html += `<p>${t("day.none")}</p>`;
  else {
    const r = packet.route;
    html += `<p class="muted" data-testid="downloaded">${esc(t("day.downloaded", { time: new Date(packet.downloadedAt).toLocaleTimeString("zh-CN") }))}<br>
      ${esc(t("day.team", { team: r.team, officers: r.officers.map((o) => o.name).join("、") }))}</p>
      <button data-testid="show-map" aria-expanded="false">${t("map.show")}</button><div id="map-box"></div>`;
    for (const v of r.visits) {
      const draft = await getVisit(v.id);
      const state = stateOf[v.id] || (draft?.step === "done" ? "saved" : null);
      const badge = state ? `<span class="tag state-${state}" data-testid="state">${t(`state.${state}`)}</span>` : "";
      html += `<div class="card" data-testid="visit"><strong>${esc(v.order)}. <span class="dot ${esc(v.merchant.colour)}"></span>${esc(v.merchant.name)}</strong>${badge}
        <div class="muted">${esc(v.merchant.address)} · ${esc(t(`colour.${v.merchant.colour}`))} · ${esc(t("day.eta", { eta: v.eta }))}</div>
        <a class="btn" href="#/visit/${esc(encodeURIComponent(v.id))}">${v.submitted || state ? t("day.done") : t("day.open")}</a></div>`;
    }
  }
  view().innerHTML = html;
  const toggle = view().querySelector("[data-testid=show-map]");
  if (toggle) toggle.onclick = () => toggleMap(toggle, packet.route);
  view().querySelector("[data-testid=download]").onclick = async () => {
    try {
      await downloadDay(today());
      renderDay(go);
    } catch (error) {
      const err = document.getElementById("err");
      if (error instanceof ApiError && error.status === 401) err.innerHTML = `${esc(t("outbox.signin"))} <a class="btn" href="#/login">${t("login.relogin")}</a>`;
      else err.textContent = error.message;
    }
  };
}

async function toggleMap(button, route) {
  const box = document.getElementById("map-box");
  const open = button.getAttribute("aria-expanded") === "true";
  button.setAttribute("aria-expanded", String(!open));
  button.textContent = open ? t("map.show") : t("map.hide");
  if (open) return box.replaceChildren();
  try {
    const session = await kv.get("session");
    await drawRoute(box, route, session?.map);
  } catch (error) {
    box.innerHTML = `<p class="error">${esc(t("map.failed", { detail: error.message }))}</p>`;
  }
}

export function renderSyncBar(entries) {
  const count = (...states) => entries.filter((e) => states.includes(e.state)).length;
  document.getElementById("syncbar").innerHTML = `<a href="#/outbox" data-testid="sync-counts">${t("sync.counts", {
    waiting: count("saved", "waiting", "uploading"),
    attention: count("attention"),
    synced: count("synced"),
  })}</a>`;
}

export async function renderOutbox(go) {
  const entries = await outboxAll();
  let html = `<h1>${t("outbox.title")}</h1><button data-act="sync">${t("sync.now")}</button>`;
  if (!entries.length) html += `<p>${t("outbox.empty")}</p>`;
  for (const e of entries) {
    html += `<div class="card" data-testid="entry"><strong>${esc(e.title)}</strong>
      <span class="tag state-${e.state}" data-testid="entry-state">${t(`state.${e.state}`)}</span>`;
    if (e.response) html += `<div data-testid="action-code">${esc(t("outbox.code", { code: e.response.action_code }))}</div>`;
    if (e.error) html += `<p class="${e.state === "attention" ? "error" : "muted"}">${esc(e.error === "signin" ? t("outbox.signin") : e.error)}</p>`;
    if (e.state === "waiting") html += `<p class="muted">${t("outbox.next_try", { seconds: Math.max(0, Math.round((e.nextAt - Date.now()) / 1000)) })}</p>`;
    if (e.error === "signin") html += `<a class="btn primary" href="#/login" data-testid="relogin">${t("login.relogin")}</a>`;
    if (e.state === "attention") {
      if (e.status === 409 && !e.recorded && e.kind !== "case") html += `<button data-act="resend" data-id="${esc(e.id)}">${t("outbox.resend")}</button>`;
      else if (e.visitId) html += `<button data-act="edit" data-id="${esc(e.id)}">${t("outbox.edit")}</button>`;
      html += `<button class="danger" data-act="discard" data-id="${esc(e.id)}">${t("outbox.discard")}</button>`;
    }
    html += `</div>`;
  }
  view().innerHTML = html;
  view().onclick = async (event) => {
    const act = event.target.dataset?.act;
    const entry = entries.find((e) => e.id === event.target.dataset.id);
    if (act === "sync") await drain({ force: true });
    if (act === "discard" && confirm(t("outbox.discard_sure"))) {
      // The visit goes back to its start: nothing of the abandoned record stays on the phone.
      for (const photoId of entry.photos || []) await deletePhoto(photoId);
      if (entry.visitId) await deleteVisit(entry.visitId);
      // A case given up can be filed again from its visit.
      const draft = entry.caseOf ? await getVisit(entry.caseOf) : null;
      if (draft?.caseId === entry.id) await putVisit({ ...draft, caseId: undefined });
      await outboxDelete(entry.id);
    }
    if (act === "edit") {
      // The server kept nothing of a refused record: correct it and send it again (same id).
      const draft = await getVisit(entry.visitId);
      if (draft) {
        draft.step = ["closed", "obstructed"].includes(draft.presence?.method) ? "finish" : "check";
        draft.signatures = { officers: {} }; // what is signed changes: everyone signs again
        draft.returned = entry.error;
        await putVisit(draft);
      }
      await outboxDelete(entry.id);
      return go(`#/visit/${entry.visitId}`);
    }
    if (act === "resend") {
      // A 409 means this id already holds another body on the server: keep both, send ours anew.
      await outboxDelete(entry.id);
      const id = crypto.randomUUID();
      const body = entry.body ? { ...entry.body, id } : null;
      await enqueue({ ...entry, id, body, draftBody: { ...entry.draftBody, id }, state: "saved", error: null, attempts: 0 });
    }
    if (act) renderOutbox(go);
  };
}

export async function unsyncedCount() {
  return (await outboxAll()).filter((e) => e.state !== "synced").length;
}

// Visits begun on the phone (arrival recorded) but not yet saved for sending.
export async function unfinishedCount() {
  return (await allVisits()).filter((d) => d.presence && d.step !== "done").length;
}

