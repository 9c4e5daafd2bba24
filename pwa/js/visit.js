// One visit: arrive (QR or by hand, GPS), check each item, read the record, sign, save.
import { afterVisit } from "./aftervisit.js";
import { t } from "./i18n.js";
import { loadScript } from "./load.js";
import { enqueue } from "./outbox.js";
import { esc, recordHtml } from "./record.js";
import { workingDay } from "./screens.js";
import { addPhoto, deletePhoto, getPhoto, getVisit, putVisit } from "./store.js";

const view = () => document.getElementById("view");
// A shut shop (未遇) and an obstructed check go straight to signing: no checklist, no merchant
// signature.
const UNCHECKED = ["closed", "obstructed"];

async function context(visitId) {
  const { packet } = await workingDay();
  const visit = packet?.route?.visits.find((v) => v.id === visitId);
  let draft = await getVisit(visitId);
  if (!draft)
    draft = await putVisit({ visitId, recordId: crypto.randomUUID(), step: "arrive", findings: {}, closedPhotos: [], signatures: { officers: {} } });
  return { packet, visit, draft };
}

function position() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude, accuracy_m: p.coords.accuracy }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 30000 },
    );
  });
}

async function arrive(draft, method, extra = {}) {
  const fix = await position();
  draft.presence = { method, ...extra, ...(fix || {}), at: new Date().toISOString() };
  draft.startedAt = draft.startedAt || new Date().toISOString();
  draft.step = UNCHECKED.includes(method) ? "finish" : "check";
  await putVisit(draft);
}

let scanning = null;

function stopScanning() {
  scanning?.destroy();
  scanning?.$video.remove();
  scanning = null;
}
addEventListener("hashchange", stopScanning);

async function scan(visit, draft, rerender) {
  const err = document.getElementById("err");
  stopScanning();
  err.textContent = "";
  try {
    if (!self.QrScanner) await loadScript("/static/vendor/qr-scanner.umd.min.js");
    const video = Object.assign(document.createElement("video"), { style: "width:100%" });
    video.dataset.testid = "camera";
    view().prepend(video);
    const scanner = new QrScanner(video, async (result) => {
      if (scanning !== scanner) return;
      stopScanning();
      const token = String(result.data || result).split("/m/").pop();
      if (token !== visit.merchant.qr_token) return (err.textContent = t("visit.qr_wrong"));
      await arrive(draft, "qr", { qr_token: token });
      rerender();
    }, { returnDetailedScanResult: true });
    scanning = scanner;
    await scanner.start();
  } catch (error) {
    stopScanning();
    err.textContent = t("visit.camera_fail", { detail: error.message || error });
  }
}

function header(visit) {
  const m = visit.merchant;
  const history =
    visit.history.map((h) => `<li>${esc(t("visit.history_item", { date: h.date, result: t(`result.${h.result}`), score: h.score ?? "", code: h.action_code || "" }))}</li>`).join("") ||
    `<li>${t("visit.no_history")}</li>`;
  const placed = Number.isFinite(m.lat) && Number.isFinite(m.lng);
  const where = placed ? `<a href="geo:${m.lat},${m.lng}">${m.lat.toFixed(5)}, ${m.lng.toFixed(5)}</a>` : t("visit.no_position");
  const orders = visit.open_orders.map((o) => `<li>${esc(o.requirement)}（${esc(o.deadline)}）</li>`).join("");
  const previous = visit.previous_findings.map((f) => `<li>${esc(f.title)} ${esc(f.note)}</li>`).join("");
  return `<a href="#/">${t("visit.back")}</a><h1><span class="dot ${esc(m.colour)}"></span>${esc(m.name)}</h1>
    <p class="muted">${esc(t(`colour.${m.colour}`))} · ${esc(m.address)} · ${where}</p>
    <details><summary>${t("visit.history")}</summary><ul>${history}</ul></details>
    ${orders ? `<details open><summary>${t("visit.orders")}</summary><ul>${orders}</ul></details>` : ""}
    ${previous ? `<details><summary>${t("visit.previous")}</summary><ul>${previous}</ul></details>` : ""}`;
}

function presenceLine(p) {
  const method = t(`visit.method.${p.method}`);
  const gps = Number.isFinite(p.lat) ? t("visit.gps", { lat: p.lat.toFixed(5), lng: p.lng.toFixed(5), acc: Math.round(p.accuracy_m ?? 0) }) : t("visit.gps_none");
  return esc(`${t("visit.present", { method })} · ${gps}`);
}

function returned(draft) {
  return draft.returned ? `<p class="error" data-testid="returned">${esc(t("outbox.edit_note"))}：${esc(draft.returned)}</p>` : "";
}

function renderArrive(ctx, rerender) {
  const { visit, draft } = ctx;
  view().innerHTML = `${header(visit)}<h2>${t("visit.arrive")}</h2><p class="error" id="err" role="alert"></p>
    <button class="primary" data-act="scan">${t("visit.scan")}</button>
    <details><summary>${t("visit.manual")}</summary><label for="reason">${t("visit.manual_reason")}</label>
      <textarea id="reason" data-testid="manual-reason"></textarea><button data-act="manual">${t("visit.confirm")}</button></details>
    <details><summary>${t("visit.closed")}</summary><label class="btn">${t("visit.closed_photo")}
      <input type="file" accept="image/*" capture="environment" hidden data-testid="closed-photo"></label></details>
    <details><summary>${t("visit.obstructed")}</summary><label for="obstructed">${t("visit.obstructed_reason")}</label>
      <textarea id="obstructed" data-testid="obstructed-reason"></textarea><label class="btn">${t("visit.obstructed_evidence")}
      <input type="file" accept="image/*,video/*" capture="environment" hidden data-testid="obstructed-evidence"></label></details>`;
  view().querySelector("[data-act=scan]").onclick = () => scan(visit, draft, rerender);
  view().querySelector("[data-act=manual]").onclick = async () => {
    const reason = document.getElementById("reason").value.trim();
    if (!reason) return (document.getElementById("err").textContent = t("visit.manual_needs_reason"));
    await arrive(draft, "manual", { reason });
    rerender();
  };
  view().querySelector("[data-testid=obstructed-evidence]").onchange = async (event) => {
    const reason = document.getElementById("obstructed").value.trim();
    if (!reason) {
      event.target.value = ""; // so the same shot can be chosen again once the account is written
      return (document.getElementById("err").textContent = t("visit.obstructed_needs_reason"));
    }
    const file = event.target.files[0];
    const media = await addPhoto(visit.id, file, file.type.startsWith("video/") ? "video" : "photo");
    draft.closedPhotos.push(media.id);
    await arrive(draft, "obstructed", { reason });
    rerender();
  };
  view().querySelector("[data-testid=closed-photo]").onchange = async (event) => {
    const photo = await addPhoto(visit.id, event.target.files[0]);
    draft.closedPhotos.push(photo.id);
    await arrive(draft, "closed");
    rerender();
  };
}

// The server's word on the flexible-enforcement lists for this merchant and item, before the
// officer decides: which list entry covers it and whether this would be a first violation.
function leniencyNote(lenient) {
  if (!lenient) return { tag: "", note: "" };
  const label = lenient.eligible
    ? t(lenient.kind === "no_penalty" && lenient.requires_first_violation ? "check.first_violation" : `check.leniency.${lenient.kind}`)
    : t("check.not_first_violation");
  return {
    tag: `<span class="tag" data-testid="leniency-tag">${esc(label)}</span>`,
    note: `<p class="muted" data-testid="leniency-hint">${esc(lenient.hint)}</p>`,
  };
}

function itemCard(packet, code, f, lenient) {
  const item = packet.items[code];
  const flexible = leniencyNote(lenient);
  const tags = `${item.key ? `<span class="tag">${t("check.key")}</span>` : ""}${flexible.tag}`;
  const pressed = (o) => `aria-pressed="${f.outcome === o}"`;
  let html = `<div class="card" data-item="${esc(code)}" data-testid="item"><strong>${esc(item.title)}</strong>${tags}
    ${flexible.note}<details><summary>${t("check.basis")}</summary><p class="muted">${esc(item.basis)}</p>${item.guidance ? `<p>${esc(item.guidance)}</p>` : ""}</details>
    <div class="row"><button data-set="pass" ${pressed("pass")}>${t("check.pass")}</button><button data-set="fail" ${pressed("fail")}>${t("check.fail")}</button><button data-set="na" ${pressed("na")}>${t("check.na")}</button></div>`;
  if (f.outcome === "fail") {
    html += `<label><input type="checkbox" data-field="corrected_on_site" ${f.corrected_on_site ? "checked" : ""}> ${t("check.corrected")}</label>`;
    if (!f.corrected_on_site) html += `<label>${t("check.deadline")}<input type="date" data-field="deadline" min="${esc(packet.date)}" value="${esc(f.deadline || "")}"></label>`;
  }
  html += `<label>${t("check.note")}<textarea data-field="note">${esc(f.note || "")}</textarea></label>
    <div class="row"><label class="btn">${t("check.photo")}<small>${t("check.photos", { count: (f.photos || []).length })}</small><input type="file" accept="image/*" capture="environment" hidden data-field="photo"></label>
    <label class="btn">${t("check.video")}<small>${t("check.videos", { count: (f.videos || []).length })}</small><input type="file" accept="video/*" capture="environment" hidden data-field="video"></label></div>
    <div class="thumbs" data-testid="thumbs"></div></div>`;
  return html;
}

// What each finding carries, shown small with a way to take it out.
async function showThumbs(draft) {
  for (const box of view().querySelectorAll("[data-item] [data-testid=thumbs]")) {
    const f = draft.findings[box.closest("[data-item]").dataset.item];
    for (const id of [...(f.photos || []), ...(f.videos || [])]) {
      const media = await getPhoto(id);
      if (!media) continue;
      const figure = document.createElement("figure");
      const label = media.kind === "video" ? t("check.video") : t("check.photo");
      figure.innerHTML = media.blob && media.kind !== "video" ? `<img class="thumb" alt="${esc(label)}">` : `<span class="tag">${esc(label)}</span>`;
      if (media.blob && media.kind !== "video") figure.querySelector("img").src = URL.createObjectURL(media.blob);
      figure.insertAdjacentHTML("beforeend", `<button type="button" class="small" data-drop="${esc(id)}">${t("check.drop")}</button>`);
      box.append(figure);
    }
  }
}

function renderCheck(ctx, rerender) {
  const { packet, visit, draft } = ctx;
  let html = `${header(visit)}${returned(draft)}<p class="muted" data-testid="presence">${presenceLine(draft.presence)}</p><h2>${t("check.title")}</h2>`;
  for (const group of visit.checklist) {
    html += `<h2>${esc(group.name)}</h2>`;
    for (const code of group.items) html += itemCard(packet, code, (draft.findings[code] ||= { photos: [] }), (visit.leniency || {})[code]);
  }
  view().innerHTML = `${html}<p class="error" id="err" role="alert"></p><button class="primary" data-act="next">${t("check.next")}</button>`;
  showThumbs(draft);
  view().oninput = view().onchange = view().onclick = async (event) => {
    const card = event.target.closest("[data-item]");
    if (event.target.dataset.act === "next") {
      const codes = visit.checklist.flatMap((g) => g.items);
      const missing = codes.filter((c) => !draft.findings[c]?.outcome);
      const unfixed = codes.filter((c) => draft.findings[c].outcome === "fail" && !draft.findings[c].corrected_on_site && !draft.findings[c].deadline);
      const past = codes.filter((c) => draft.findings[c].outcome === "fail" && !draft.findings[c].corrected_on_site && draft.findings[c].deadline < packet.date);
      if (missing.length) return (document.getElementById("err").textContent = t("check.missing", { count: missing.length }));
      if (unfixed.length) return (document.getElementById("err").textContent = t("check.remedy"));
      if (past.length) return (document.getElementById("err").textContent = t("check.deadline_past"));
      draft.step = "finish";
      await putVisit(draft);
      return rerender();
    }
    if (!card) return;
    const f = draft.findings[card.dataset.item];
    const field = event.target.dataset.field;
    if (event.type === "click" && event.target.dataset.drop) {
      // A wrong or blurred shot leaves the phone and the record before anything is sent.
      if (!confirm(t("check.drop_sure"))) return;
      const id = event.target.dataset.drop;
      f.photos = (f.photos || []).filter((p) => p !== id);
      f.videos = (f.videos || []).filter((p) => p !== id);
      await deletePhoto(id);
      await putVisit(draft);
      return rerender();
    }
    if (event.type === "click" && event.target.dataset.set) f.outcome = event.target.dataset.set;
    else if (event.type === "change" && field === "photo") f.photos.push((await addPhoto(visit.id, event.target.files[0])).id);
    else if (event.type === "change" && field === "video") (f.videos ||= []).push((await addPhoto(visit.id, event.target.files[0], "video")).id);
    else if (event.type === "change" && field === "corrected_on_site") f.corrected_on_site = event.target.checked;
    else if (["input", "change"].includes(event.type) && ["note", "deadline"].includes(field)) f[field] = event.target.value;
    else return;
    await putVisit(draft);
    if (event.target.dataset.set || ["photo", "video", "corrected_on_site"].includes(field)) rerender();
  };
}

// A tap or a dot is not a signature (the server refuses one without ink, too).
const LEAST_POINTS = 12;

function pad(canvas, value, onDone) {
  const ratio = Math.max(window.devicePixelRatio || 1, 1);
  canvas.width = canvas.offsetWidth * ratio;
  canvas.height = canvas.offsetHeight * ratio;
  canvas.getContext("2d").scale(ratio, ratio);
  const signature = new SignaturePad(canvas, { penColor: "#000", minWidth: 1.2, maxWidth: 3 });
  if (value) signature.fromDataURL(value, { ratio });
  signature.addEventListener("endStroke", () => {
    const points = signature.toData().reduce((n, stroke) => n + stroke.points.length, 0);
    const err = document.getElementById("err");
    if (points < LEAST_POINTS) {
      err.textContent = t("finish.too_short");
      return onDone(null);
    }
    err.textContent = "";
    onDone(signature.toDataURL("image/png"));
  });
  return signature;
}

// The route's officers who came to this visit (all of them until someone is marked absent).
function attending(packet, draft) {
  const all = packet.route.officers.map((o) => o.id);
  return draft.attended ? all.filter((id) => draft.attended.includes(id)) : all;
}

// The law asks at least two certified officers at a visit (the district may ask more).
const LEAST_OFFICERS = 2;

function draftBody(packet, visit, draft) {
  const closed = UNCHECKED.includes(draft.presence.method);
  return {
    id: draft.recordId,
    visit_id: visit.id,
    started_at: draft.startedAt,
    finished_at: draft.finishedAt,
    presence: draft.presence,
    officers: packet.route.officers.map((o) => o.id),
    attended: attending(packet, draft),
    findings: closed ? [] : Object.entries(draft.findings).map(([item, f]) => ({
      item, outcome: f.outcome, note: f.note || "", corrected_on_site: !!f.corrected_on_site,
      deadline: f.outcome === "fail" && !f.corrected_on_site ? f.deadline : null, evidence: [...(f.photos || []), ...(f.videos || [])],
    })),
    signatures: draft.signatures,
    evidence: draft.closedPhotos,
    summary: "",
  };
}

function renderFinish(ctx, rerender) {
  const { packet, visit, draft } = ctx;
  const closed = UNCHECKED.includes(draft.presence.method);
  const sig = draft.signatures;
  const without = `<p>${t("visit.present", { method: t(`visit.method.${draft.presence.method}`) })}</p>${draft.presence.reason ? `<p>${esc(draft.presence.reason)}</p>` : ""}`;
  let html = `${header(visit)}${returned(draft)}${closed ? without : `<p>${t("finish.read")}</p>${recordHtml(packet, visit, draft)}`}`;
  const clear = `<button type="button" class="small" data-act="clear">${t("finish.clear")}</button>`;
  const present = attending(packet, draft);
  html += `<fieldset class="card" data-testid="attended"><legend>${t("finish.attended_title")}</legend>${packet.route.officers
    .map((o) => `<label><input type="checkbox" data-attend="${esc(o.id)}" ${present.includes(o.id) ? "checked" : ""}> ${esc(t("finish.attended", { name: o.name, cert: o.cert_no }))}</label>`)
    .join("")}</fieldset>`;
  for (const o of packet.route.officers.filter((o) => present.includes(o.id)))
    html += `<label>${esc(t("finish.officer_sign", { name: o.name }))}</label><canvas class="sign" data-officer="${esc(o.id)}" data-testid="sign-officer"></canvas>${clear}`;
  if (!closed)
    html += `<label>${t("finish.merchant_sign")}</label><canvas class="sign" data-merchant data-testid="sign-merchant"></canvas>${clear}
      <details ${sig.refusal ? "open" : ""}><summary>${t("finish.refuse")}</summary><label>${t("finish.witness")}<input data-ref="witness" value="${esc(sig.refusal?.witness || "")}"></label>
      <label>${t("finish.refuse_note")}<textarea data-ref="note">${esc(sig.refusal?.note || "")}</textarea></label></details>`;
  view().innerHTML = `${html}<p class="error" id="err" role="alert"></p><button class="primary" data-act="save">${t("finish.save")}</button>`;
  const store = (canvas, url) => {
    if (canvas.dataset.officer) {
      if (url) sig.officers[canvas.dataset.officer] = url;
      else delete sig.officers[canvas.dataset.officer];
    } else sig.merchant = url || undefined;
    putVisit(draft);
  };
  for (const canvas of view().querySelectorAll("canvas.sign")) {
    const signature = pad(canvas, canvas.dataset.officer ? sig.officers[canvas.dataset.officer] : sig.merchant, (url) => store(canvas, url));
    canvas.nextElementSibling.onclick = () => {
      signature.clear();
      store(canvas, null);
    };
  }
  view().onchange = async (event) => {
    const id = event.target.dataset.attend;
    if (!id) return;
    // Who did not come does not sign: their signature, if any, leaves the record.
    const others = attending(packet, draft).filter((o) => o !== id);
    draft.attended = event.target.checked ? [...others, id] : others;
    if (!event.target.checked) delete sig.officers[id];
    await putVisit(draft);
    rerender();
  };
  view().oninput = (event) => {
    if (!event.target.dataset.ref) return;
    sig.refusal = { ...(sig.refusal || { witness: "", note: "" }), [event.target.dataset.ref]: event.target.value };
    putVisit(draft);
  };
  view().querySelector("[data-act=save]").onclick = async () => {
    const refused = sig.refusal?.witness?.trim() && sig.refusal?.note?.trim();
    const present = attending(packet, draft);
    if (present.length < LEAST_OFFICERS) return (document.getElementById("err").textContent = t("finish.too_few", { count: LEAST_OFFICERS }));
    for (const id of Object.keys(sig.officers)) if (!present.includes(id)) delete sig.officers[id];
    const officersSigned = present.every((id) => sig.officers[id]);
    if (!officersSigned || (!closed && !sig.merchant && !refused)) return (document.getElementById("err").textContent = t("finish.need_signs"));
    if (!refused) delete sig.refusal;
    delete draft.returned;
    draft.finishedAt = new Date().toISOString();
    draft.step = "done";
    await putVisit(draft);
    const body = draftBody(packet, visit, draft);
    const photos = [...body.evidence, ...body.findings.flatMap((f) => f.evidence)];
    await enqueue({ id: draft.recordId, visitId: visit.id, title: visit.merchant.name, draftBody: body, photos, body: null });
    rerender();
  };
}

async function renderDone(ctx, rerender) {
  const { packet, visit, draft } = ctx;
  view().innerHTML = `${header(visit)}<p class="state-saved" data-testid="saved">${t("finish.saved")}</p>
    ${UNCHECKED.includes(draft.presence.method) ? "" : recordHtml(packet, visit, draft)}<a class="btn" href="#/outbox">${t("sync.view")}</a><div id="after-visit"></div>`;
  await afterVisit(ctx, rerender);
}

export async function renderVisit(visitId) {
  const ctx = await context(visitId);
  if (!ctx.visit) return (location.hash = "#/");
  const rerender = () => renderVisit(visitId);
  view().onclick = view().onchange = view().oninput = null;
  ({ arrive: renderArrive, check: renderCheck, finish: renderFinish, done: renderDone })[ctx.draft.step](ctx, rerender);
}

// The outbox changed while a saved visit is on screen: show what the server now holds (the
// record's code and papers, the case's code), unless the officer is typing the case's summary.
export async function refreshDone(visitId) {
  const draft = await getVisit(visitId);
  if (draft?.step !== "done" || document.activeElement?.id === "case-summary") return;
  await renderVisit(visitId);
}
