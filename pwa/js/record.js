// The on-site inspection record (现场检查笔录) as the merchant reads it before signing.
import { t } from "./i18n.js";

export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const time = (iso) => (iso ? new Date(iso).toLocaleString("zh-CN", { hour12: false }) : "");

export function recordHtml(packet, visit, draft) {
  const m = visit.merchant;
  const came = (o) => !draft.attended || draft.attended.includes(o.id);
  const officers = packet.route.officers.filter(came).map((o) => `${o.name}（${o.cert_no}）`).join("、");
  const absent = packet.route.officers.filter((o) => !came(o)).map((o) => o.name).join("、");
  const lines = Object.entries(draft.findings)
    .map(([code, f]) => {
      const item = packet.items[code] || { title: code };
      let text = `${esc(item.title)}：${t(`check.${f.outcome}`)}`;
      if (f.outcome === "fail") text += f.corrected_on_site ? `（${t("check.corrected")}）` : `，${esc(t("record.deadline", { date: f.deadline }))}`;
      if (f.note) text += `。${esc(f.note)}`;
      return `<li>${text}</li>`;
    })
    .join("");
  return `<div class="record" data-testid="record">
    <h2 style="text-align:center">${t("finish.title")}</h2>
    <p>${esc(t("record.merchant", { name: m.name, uscc: m.uscc }))}<br>${esc(t("record.address", { address: m.address }))}<br>
    ${esc(t("record.time", { start: time(draft.startedAt), end: time(draft.finishedAt || new Date().toISOString()) }))}<br>
    ${esc(t("record.officers", { names: officers }))}${absent ? `<br>${esc(t("record.absent", { names: absent }))}` : ""}</p>
    <p><strong>${t("record.result")}</strong></p><ol>${lines}</ol></div>`;
}
