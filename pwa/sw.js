/* The app shell and GET data only; POSTs are never cached or replayed here (the outbox does that). */
importScripts("/static/vendor/workbox-sw.js");
workbox.setConfig({ modulePathPrefix: "/static/vendor/", debug: false });

const SHELL = "20261126-1";
workbox.precaching.precacheAndRoute(
  [
    "/app/", "/app/app.css", "/app/manifest.webmanifest", "/app/icons/icon-192.png",
    "/app/js/app.js", "/app/js/i18n.js", "/app/js/store.js", "/app/js/api.js",
    "/app/js/outbox.js", "/app/js/screens.js", "/app/js/visit.js", "/app/js/record.js",
    "/static/vendor/idb.umd.js", "/static/vendor/tus.min.js",
    "/static/vendor/signature_pad.umd.min.js", "/static/vendor/qr-scanner.umd.min.js",
    "/static/vendor/qr-scanner-worker.min.js",
  ].map((url) => ({ url, revision: SHELL })),
  { ignoreURLParametersMatching: [/.*/] },
);
workbox.routing.registerRoute(
  ({ url, request }) => request.method === "GET" && url.pathname.startsWith("/static/vendor/"),
  new workbox.strategies.CacheFirst({ cacheName: "vendor" }),
);
workbox.routing.registerRoute(
  ({ url, request }) => request.method === "GET" && url.pathname === "/api/v1/me/day",
  new workbox.strategies.NetworkFirst({ cacheName: "day", networkTimeoutSeconds: 8 }),
);
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
