/* The app shell and GET data only; POSTs are never cached or replayed here (the outbox does that).
   The day packet is not cached here either: the app keeps it in IndexedDB, and a download that
   fails must say so rather than hand back an older packet as if it were new. */
importScripts("/static/vendor/workbox-sw.js");
workbox.setConfig({ modulePathPrefix: "/static/vendor/", debug: false });

// The server puts the list of the shell's files here, each with a hash of its content.
workbox.precaching.precacheAndRoute(self.__WB_MANIFEST, { ignoreURLParametersMatching: [/.*/] });
workbox.routing.registerRoute(
  ({ url, request }) => request.method === "GET" && url.pathname.startsWith("/static/vendor/"),
  new workbox.strategies.CacheFirst({ cacheName: "vendor" }),
);
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
