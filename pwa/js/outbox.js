// The outbox: every record is saved on the phone first, then sent with capped back-off.
// Photos go through tus (resumable across restarts); the record POST is idempotent by its id, and
// so is a case filed from a record (kind "case"), which goes once its record is on the server.
import { ApiError, call } from "./api.js";
import { t } from "./i18n.js";
import { deletePhoto, deleteVisit, getPhoto, kv, outboxAll, outboxDelete, outboxPut, putPhoto } from "./store.js";

const MAX_DELAY_MS = 5 * 60 * 1000;
const PHOTO_MISSING = -1;
// Answers that will not change by sending again: the officer must look at the record.
const NEEDS_OFFICER = [PHOTO_MISSING, 400, 403, 404, 409, 413, 415, 422];
const KEEP_SYNCED_MS = 3 * 24 * 60 * 60 * 1000; // a synced record stays listed three days, then goes
let draining = null;
const listeners = new Set();

export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function changed() {
  const entries = await outboxAll();
  for (const listener of listeners) listener(entries);
}

export async function enqueue(entry) {
  await outboxPut({ state: "saved", attempts: 0, nextAt: 0, error: null, createdAt: Date.now(), ...entry });
  await changed();
  drain();
}

function backoff(attempts) {
  const base = Math.min(MAX_DELAY_MS, 2000 * 2 ** attempts);
  return base / 2 + Math.random() * (base / 2);
}

function tusUpload(photo, csrf) {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(photo.blob, {
      endpoint: "/api/v1/uploads/",
      chunkSize: 256 * 1024,
      retryDelays: [0, 1000, 3000, 5000],
      metadata: { filename: photo.name, filetype: photo.type, kind: photo.kind, sha256: photo.sha256 },
      headers: { "X-CSRF-Token": csrf },
      fingerprint: async () => `onevisit-${photo.id}`,
      removeFingerprintOnSuccess: true,
      onError: (error) => reject(uploadError(error)),
      onSuccess: () => resolve(upload.url),
    });
    upload.findPreviousUploads().then((previous) => {
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    }, reject);
  });
}

// The server refusing a file (too large, not the type it says) will refuse it again: that needs
// the officer; anything else (no network, a server restarting) is tried again later.
const REFUSED_FILE = [400, 403, 413, 415, 422];

function uploadError(error) {
  const status = error?.originalResponse?.getStatus?.() || 0;
  if (status === 401) return new ApiError(401, "signin");
  if (!REFUSED_FILE.includes(status)) return new ApiError(0, t("net.failed"));
  let detail = "";
  try {
    detail = JSON.parse(error.originalResponse.getBody() || "{}").detail || "";
  } catch {
    detail = String(status);
  }
  return new ApiError(status, t("outbox.upload_refused", { detail }));
}

async function uploadPhotos(entry, csrf) {
  const ids = {};
  for (const photoId of entry.photos) {
    const photo = await getPhoto(photoId);
    if (!photo) throw new ApiError(PHOTO_MISSING, t("outbox.photo_missing"));
    if (!photo.evidenceId) {
      const url = await tusUpload(photo, csrf);
      const { data } = await call("GET", new URL(url, location.href).pathname);
      if (!data.evidence_id) throw new ApiError(0, data.error || data.state_label);
      photo.evidenceId = data.evidence_id;
      photo.blob = null; // the server holds the bytes now
      await putPhoto(photo);
    }
    ids[photoId] = photo.evidenceId;
  }
  return ids;
}

// What an entry sends once its photos are up: a visit's record, or a case filed from one.
function send(entry) {
  if (entry.kind === "case") return call("POST", "/api/v1/cases", entry.body);
  return call("POST", "/api/v1/inspections", entry.body, { "X-Device-Time": new Date().toISOString() });
}

async function attempt(entry) {
  const session = await kv.get("session");
  entry.state = "uploading";
  await outboxPut(entry);
  await changed();
  try {
    if (!entry.body) {
      const ids = await uploadPhotos(entry, session.csrf);
      entry.body = composeBody(entry.draftBody, ids);
      await outboxPut(entry);
    }
    const { data } = await send(entry);
    Object.assign(entry, { state: "synced", response: data, error: null, syncedAt: Date.now() });
  } catch (error) {
    const status = error instanceof ApiError ? error.status : 0;
    if (NEEDS_OFFICER.includes(status)) {
      // A visit already recorded (by this or the colleague's phone) names its action code.
      const recorded = (error instanceof ApiError && error.body?.action_code) || null;
      Object.assign(entry, { state: "attention", error: error.message, status, recorded });
    } else {
      if (status === 401) await kv.set("session", { ...(await kv.get("session")), expired: true });
      entry.attempts += 1;
      const message = status === 401 ? "signin" : error.message || String(error);
      Object.assign(entry, { state: "waiting", error: message, status, nextAt: Date.now() + backoff(entry.attempts) });
    }
  }
  await outboxPut(entry);
  await changed();
}

// The record references evidence by id: photo ids made on the phone become server evidence ids.
export function composeBody(draftBody, ids) {
  const swap = (list) => (list || []).map((id) => ids[id]);
  return {
    ...draftBody,
    evidence: swap(draftBody.evidence),
    findings: draftBody.findings.map((f) => ({ ...f, evidence: swap(f.evidence) })),
  };
}

export function drain({ force = false } = {}) {
  if (draining) return draining;
  draining = (async () => {
    try {
      const entries = (await outboxAll()).sort((a, b) => (a.createdAt || 0) - (b.createdAt || 0));
      const synced = new Set(entries.filter((e) => e.state === "synced").map((e) => e.id));
      for (const entry of entries) {
        if (!navigator.onLine) break;
        // A case waits for the record it is filed from (the record's id is the inspection's).
        const record = entry.kind === "case" ? entries.find((e) => e.id === entry.body.inspection_id) : null;
        if (record && !synced.has(record.id)) continue;
        const due = entry.state === "saved" || (entry.state === "waiting" && (force || entry.nextAt <= Date.now()));
        if (due || entry.state === "uploading") await attempt(entry);
        if (entry.state === "synced") synced.add(entry.id);
      }
    } finally {
      draining = null;
    }
  })();
  return draining;
}

// Records the server confirmed long ago leave the phone, with their photos and drafts; nothing
// unsynced is ever removed here.
export async function prune(now = Date.now()) {
  let removed = 0;
  for (const entry of await outboxAll()) {
    if (entry.state !== "synced" || !entry.syncedAt || now - entry.syncedAt < KEEP_SYNCED_MS) continue;
    for (const photoId of entry.photos || []) await deletePhoto(photoId);
    if (entry.visitId) await deleteVisit(entry.visitId);
    await outboxDelete(entry.id);
    removed += 1;
  }
  if (removed) await changed();
  return removed;
}

// "uploading" describes an attempt in progress; one found when the app starts was cut short (the
// phone was switched off or the tab closed) and is waiting to go again, not uploading.
export async function recoverInterrupted() {
  let recovered = 0;
  for (const entry of await outboxAll()) {
    if (entry.state !== "uploading") continue;
    Object.assign(entry, { state: "waiting", nextAt: 0 });
    await outboxPut(entry);
    recovered += 1;
  }
  if (recovered) await changed();
}

export function startSync() {
  addEventListener("online", () => drain({ force: true }));
  setInterval(() => drain(), 5000);
  setInterval(() => prune(), 60 * 60 * 1000);
  prune();
  drain();
}
