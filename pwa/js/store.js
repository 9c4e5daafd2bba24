// IndexedDB: the session, day packets, visit drafts, photos and the outbox survive restarts.
import { loadScript } from "./load.js";

const DB_NAME = "onevisit";
let dbPromise = null;

export function db() {
  if (!dbPromise) {
    dbPromise = idb.openDB(DB_NAME, 1, {
      upgrade(d) {
        d.createObjectStore("kv");
        d.createObjectStore("visits", { keyPath: "visitId" });
        d.createObjectStore("photos", { keyPath: "id" }).createIndex("visit", "visitId");
        d.createObjectStore("outbox", { keyPath: "id" });
      },
    });
  }
  return dbPromise;
}

export const kv = {
  get: async (key) => (await db()).get("kv", key),
  set: async (key, value) => (await db()).put("kv", value, key),
};

export async function getVisit(visitId) {
  return (await db()).get("visits", visitId);
}

export async function putVisit(draft) {
  await (await db()).put("visits", draft);
  return draft;
}

// A clip of several hundred MB must not be read into memory at once to hash it: beyond this
// size it is hashed in slices (hash-wasm, loaded on first use) and stored as the file it is.
const WHOLE_MAX = 8 * 1024 * 1024;
const SLICE = 4 * 1024 * 1024;
const hex = (bytes) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

async function sha256Sliced(file) {
  await loadScript("/static/vendor/sha256.umd.min.js");
  const hasher = await self.hashwasm.createSHA256();
  hasher.init();
  for (let at = 0; at < file.size; at += SLICE) hasher.update(new Uint8Array(await file.slice(at, at + SLICE).arrayBuffer()));
  return hasher.digest("hex");
}

export async function addPhoto(visitId, file, kind = "photo") {
  const type = file.type || (kind === "video" ? "video/mp4" : "image/jpeg");
  let blob;
  let sha256;
  if (file.size > WHOLE_MAX) {
    sha256 = await sha256Sliced(file);
    blob = file;
  } else {
    const buffer = await file.arrayBuffer();
    sha256 = hex(await crypto.subtle.digest("SHA-256", buffer));
    blob = new Blob([buffer], { type });
  }
  const photo = {
    id: crypto.randomUUID(),
    visitId,
    kind,
    name: file.name || (kind === "video" ? "clip.mp4" : "photo.jpg"),
    type,
    blob,
    sha256,
    evidenceId: null,
    takenAt: new Date().toISOString(),
  };
  await (await db()).put("photos", photo);
  return photo;
}

export async function deletePhoto(id) {
  return (await db()).delete("photos", id);
}

export async function allVisits() {
  return (await db()).getAll("visits");
}

export async function deleteVisit(visitId) {
  return (await db()).delete("visits", visitId);
}

export async function getPhoto(id) {
  return (await db()).get("photos", id);
}

export async function putPhoto(photo) {
  return (await db()).put("photos", photo);
}

export async function outboxAll() {
  return (await db()).getAll("outbox");
}

export async function outboxPut(entry) {
  return (await db()).put("outbox", entry);
}

export async function outboxDelete(id) {
  return (await db()).delete("outbox", id);
}

export async function wipe() {
  const d = await db();
  for (const name of ["kv", "visits", "photos", "outbox"]) await d.clear(name);
  localStorage.clear();
  if (self.caches) for (const name of await caches.keys()) if (name === "day") await caches.delete(name);
}

export async function askPersistence() {
  if (!navigator.storage?.persist) return false;
  return (await navigator.storage.persisted()) || navigator.storage.persist();
}
