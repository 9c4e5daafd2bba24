// IndexedDB: the session, day packets, visit drafts, photos and the outbox survive restarts.
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

export async function addPhoto(visitId, file, kind = "photo") {
  const buffer = await file.arrayBuffer();
  const digest = await crypto.subtle.digest("SHA-256", buffer);
  const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const photo = {
    id: crypto.randomUUID(),
    visitId,
    kind,
    name: file.name || (kind === "video" ? "clip.mp4" : "photo.jpg"),
    type: file.type || (kind === "video" ? "video/mp4" : "image/jpeg"),
    blob: new Blob([buffer], { type: file.type || (kind === "video" ? "video/mp4" : "image/jpeg") }),
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
