// JSON calls with the session cookie and the CSRF header; errors carry the server's reason.
import { t } from "./i18n.js";
import { kv } from "./store.js";

const TIMEOUT_MS = 45000;

export class ApiError extends Error {
  constructor(status, detail, body) {
    super(detail);
    this.status = status;
    this.body = body;
  }
}

export async function call(method, path, body, headers = {}) {
  const session = await kv.get("session");
  const init = { method, credentials: "same-origin", headers: { ...headers } };
  if (method !== "GET" && session) init.headers["X-CSRF-Token"] = session.csrf;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  // On a weak network a request can hang for minutes and hold up every record behind it.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response;
  let text;
  try {
    response = await fetch(path, { ...init, signal: controller.signal });
    text = await response.text();
  } catch {
    throw new ApiError(0, t("net.failed"));
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(response.ok ? 0 : response.status, t("net.not_json"));
  }
  if (!response.ok) throw new ApiError(response.status, data?.detail || response.statusText, data);
  return { status: response.status, data };
}

export async function login(username, password) {
  const { data } = await call("POST", "/api/v1/auth/login", { username, password });
  await kv.set("session", { user: data.user, csrf: data.csrf_token, map: data.map, at: Date.now(), expired: false });
  return data.user;
}

export async function downloadDay(date) {
  const { data } = await call("GET", `/api/v1/me/day?date=${date}`);
  await kv.set(`day:${date}`, { ...data, downloadedAt: new Date().toISOString() });
  await kv.set("day:current", date);
  return data;
}
