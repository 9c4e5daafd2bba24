// After a visit is saved: the papers to hand over (once the server holds the record and has given
// it its action code) and filing a case (立案) from the failed items, through the outbox.
import { t } from "./i18n.js";
import { enqueue } from "./outbox.js";
import { esc } from "./record.js";
import { outboxAll, putVisit } from "./store.js";

const view = () => document.getElementById("view");

function papers(entry) {
  if (entry?.state !== "synced" || !entry.response) return `<p class="muted" data-testid="papers-wait">${t("papers.wait")}</p>`;
  const id = encodeURIComponent(entry.response.id);
  const notice = entry.response.orders?.length
    ? `<a class="btn" target="_blank" rel="noopener" href="/api/v1/inspections/${id}/notice" data-testid="paper-notice">${t("papers.notice")}</a>`
    : "";
  return `<p data-testid="record-code">${esc(t("outbox.code", { code: entry.response.action_code }))}</p>
    <a class="btn" target="_blank" rel="noopener" href="/api/v1/inspections/${id}/record" data-testid="paper-record">${t("papers.record")}</a>${notice}
    <p class="muted">${t("papers.hint")}</p>`;
}

function caseState(filed) {
  if (filed.state === "synced") return `<p class="state-synced" data-testid="case-code">${esc(t("case.filed", { code: filed.response.action_code }))}</p>`;
  const waiting = filed.state === "attention" ? `<p class="error">${esc(filed.error)}</p>` : `<p class="muted">${t("case.queued")}</p>`;
  return `<p class="state-${filed.state}" data-testid="case-state">${t(`state.${filed.state}`)}</p>${waiting}`;
}

function caseForm(packet, failed, draft) {
  const chosen = draft.caseForm?.items || failed;
  const boxes = failed
    .map((code) => `<label><input type="checkbox" data-case-item="${esc(code)}" ${chosen.includes(code) ? "checked" : ""}> ${esc(packet.items[code]?.title || code)}</label>`)
    .join("");
  return `<p class="muted">${t("case.items")}</p>${boxes}
    <label for="case-summary">${t("case.summary")}</label><textarea id="case-summary" data-testid="case-summary">${esc(draft.caseForm?.summary || "")}</textarea>
    <p class="error" id="case-err" role="alert"></p><button class="primary" data-act="file-case">${t("case.submit")}</button>`;
}

// The papers and the case, shown under the saved record; `rerender` draws the screen again.
export async function afterVisit(ctx, rerender) {
  const { packet, visit, draft } = ctx;
  const entries = await outboxAll();
  const record = entries.find((e) => e.id === draft.recordId);
  const failed = Object.entries(draft.findings)
    .filter(([, f]) => f.outcome === "fail")
    .map(([code]) => code);
  let html = `<section class="card" data-testid="papers"><h2>${t("papers.title")}</h2>${papers(record)}</section>`;
  if (failed.length && !["closed", "obstructed"].includes(draft.presence.method)) {
    const filed = draft.caseId ? entries.find((e) => e.id === draft.caseId) : null;
    html += `<section class="card" data-testid="case"><h2>${t("case.title")}</h2>${filed ? caseState(filed) : caseForm(packet, failed, draft)}</section>`;
  }
  // Screens drawn one over another (a tap, then the outbox reporting) share this one place.
  const box = document.getElementById("after-visit");
  if (!box) return;
  box.innerHTML = html;
  const button = view().querySelector("[data-act=file-case]");
  if (!button) return;
  const form = () => ({
    items: [...view().querySelectorAll("[data-case-item]:checked")].map((box) => box.dataset.caseItem),
    summary: document.getElementById("case-summary").value,
  });
  view().oninput = view().onchange = () => {
    draft.caseForm = form();
    putVisit(draft);
  };
  button.onclick = async () => {
    const { items, summary } = form();
    const err = document.getElementById("case-err");
    if (!items.length) return (err.textContent = t("case.need_items"));
    if (!summary.trim()) return (err.textContent = t("case.need_summary"));
    // The case's id is made here: sending it again files nothing twice.
    draft.caseId = crypto.randomUUID();
    draft.caseForm = { items, summary };
    await putVisit(draft);
    const body = { id: draft.caseId, inspection_id: draft.recordId, items, summary: summary.trim() };
    await enqueue({ id: draft.caseId, kind: "case", caseOf: visit.id, title: t("case.entry", { name: visit.merchant.name }), body, photos: [] });
    rerender();
  };
}
