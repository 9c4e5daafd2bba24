// Boot: service worker, persistent storage, the router, the sync bar and sign-out.
import { call } from "./api.js";
import { t } from "./i18n.js";
import { onChange, recoverInterrupted, startSync } from "./outbox.js";
import { renderDay, renderLogin, renderOutbox, renderSyncBar, unfinishedCount, unsyncedCount } from "./screens.js";
import { askPersistence, kv, outboxAll, wipe } from "./store.js";
import { refreshDone, renderVisit } from "./visit.js";

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function signOut() {
  const [left, drafts] = [await unsyncedCount(), await unfinishedCount()];
  const warning = drafts ? t("signout.warn_drafts", { count: left, drafts }) : left ? t("signout.warn", { count: left }) : t("signout.sure");
  if (!confirm(warning)) return;
  try {
    if (navigator.onLine) await call("POST", "/api/v1/auth/logout");
  } catch {
    /* the local wipe matters most; the session expires on its own */
  }
  await wipe();
  go("#/login");
}

async function route() {
  const session = await kv.get("session");
  const hash = location.hash || "#/";
  document.getElementById("title").textContent = session ? t("app.title_user", { name: session.user.name }) : t("app.title");
  if (!session || hash === "#/login") return renderLogin(go);
  if (hash.startsWith("#/visit/")) return renderVisit(hash.slice(8));
  if (hash === "#/outbox") return renderOutbox(go);
  await renderDay(go);
  const out = Object.assign(document.createElement("button"), { className: "danger", textContent: t("signout") });
  out.dataset.testid = "signout";
  out.onclick = signOut;
  document.getElementById("view").append(out);
}

function showNetwork() {
  const net = document.getElementById("net");
  net.textContent = navigator.onLine ? t("net.online") : t("net.offline");
}

async function boot() {
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
  addEventListener("hashchange", route);
  addEventListener("online", showNetwork);
  addEventListener("offline", showNetwork);
  showNetwork();
  onChange((entries) => {
    renderSyncBar(entries);
    if (location.hash === "#/outbox") renderOutbox(go);
    if (location.hash.startsWith("#/visit/")) refreshDone(location.hash.slice(8));
  });
  await recoverInterrupted();
  renderSyncBar(await outboxAll());
  await route();
  if (!(await askPersistence())) {
    const notice = Object.assign(document.createElement("p"), { className: "muted notice", textContent: t("storage.denied") });
    notice.dataset.testid = "storage-denied";
    document.getElementById("syncbar").after(notice);
  }
  startSync();
}

window.addEventListener("DOMContentLoaded", boot);
