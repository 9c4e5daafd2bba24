// The day's route on a map: the stops numbered in order and coloured by the shop's code, the way
// between them, and where the phone is. Drawn without tiles when offline or none are licensed.
import { t } from "./i18n.js";
import { loadScript, loadStyle } from "./load.js";
import { esc } from "./record.js";

const LEAFLET = "/static/vendor/leaflet.js";
const LEAFLET_CSS = "/static/vendor/leaflet.css";

// Leaflet shows a string as HTML: a shop's name or address (from an imported list) goes in as
// text nodes only, so "<img onerror=…>" in a name is shown as those characters.
function text(tag, value) {
  const node = document.createElement(tag);
  node.textContent = String(value ?? "");
  return node;
}

function stopPopup(v) {
  const box = document.createElement("div");
  const open = text("a", t("day.open"));
  open.href = `#/visit/${encodeURIComponent(v.id)}`;
  box.append(
    text("strong", `${v.order}. ${v.merchant.name}`),
    document.createElement("br"),
    String(v.merchant.address ?? ""),
    document.createElement("br"),
    t("day.eta", { eta: v.eta }),
    document.createElement("br"),
    open,
  );
  box.dataset.testid = "stop-popup";
  return box;
}

function here(map) {
  if (!navigator.geolocation) return;
  navigator.geolocation.getCurrentPosition(
    (p) => {
      const at = [p.coords.latitude, p.coords.longitude];
      L.circle(at, { radius: p.coords.accuracy, weight: 1, color: "#0b3d91", fillOpacity: 0.1 }).addTo(map);
      L.circleMarker(at, { radius: 8, weight: 3, color: "#fff", fillColor: "#0b3d91", fillOpacity: 1 })
        .bindTooltip(t("map.here"))
        .addTo(map);
    },
    () => {},
    { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
  );
}

export async function drawRoute(container, route, tiles) {
  await Promise.all([loadStyle(LEAFLET_CSS), loadScript(LEAFLET)]);
  const el = Object.assign(document.createElement("div"), { id: "route-map" });
  el.dataset.testid = "route-map";
  el.setAttribute("aria-label", t("map.label"));
  container.replaceChildren(el);
  const map = L.map(el, { attributionControl: Boolean(tiles?.tile_url) });
  if (tiles?.tile_url && navigator.onLine) {
    L.tileLayer(tiles.tile_url, { attribution: esc(tiles.attribution || ""), maxZoom: 19 }).addTo(map);
  }
  const stops = route.visits.filter((v) => Number.isFinite(v.merchant.lat) && Number.isFinite(v.merchant.lng));
  const line = stops.map((v) => [v.merchant.lat, v.merchant.lng]);
  if (line.length > 1) L.polyline(line, { color: "#0b3d91", weight: 4, opacity: 0.6 }).addTo(map);
  for (const v of stops) {
    const number = text("span", v.order);
    const icon = L.divIcon({ className: `stop ${esc(v.merchant.colour)}`, html: number, iconSize: [34, 34] });
    L.marker([v.merchant.lat, v.merchant.lng], { icon, title: `${v.order}. ${v.merchant.name}` })
      .bindPopup(() => stopPopup(v))
      .addTo(map);
  }
  // Room for the zoom buttons at the top left.
  if (line.length) map.fitBounds(line, { paddingTopLeft: [56, 40], paddingBottomRight: [28, 28], maxZoom: 17 });
  else map.setView([30.25, 120.17], 13);
  if (stops.length < route.visits.length) {
    const note = text("p", t("map.unplaced", { count: route.visits.length - stops.length }));
    note.className = "muted";
    container.append(note);
  }
  here(map);
  return map;
}
