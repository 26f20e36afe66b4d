// The dashboard: the figures the page was served with (a JSON data block), then refreshed from
// /dashboard/summary whenever the live feed reports a change.
"use strict";

let current = JSON.parse(document.getElementById("initial-data").textContent);

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}
function plain(value) {
  if (value === null || value === undefined) return "-";
  const text = String(value);
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}
function pct(value) { return value === null || value === undefined ? "-" : value + "%"; }
function td(content, label) {
  const cell = content instanceof Node && content.tagName === "TD" ? content : el("td");
  if (cell !== content) {
    const value = el("span", null, "value");  // beside its label where rows become cards
    value.appendChild(content instanceof Node ? content : THAI.phrases(content ?? "-"));
    cell.appendChild(value);
  }
  if (label) cell.dataset.label = label;
  return cell;
}
function num(text) { return el("td", text, "num"); }
function setText(id, text) { document.getElementById(id).replaceChildren(THAI.phrases(text)); }
// Rows into a table body (its header rows kept), each cell labelled with its column's heading;
// an empty list says so.
function fill(body, rows, cells) {
  const heads = [...body.closest("table").tHead.rows[0].cells].map((th) => th.textContent);
  for (const old of [...body.rows]) if (!old.classList.contains("part-head")) old.remove();
  for (const row of rows) {
    const tr = el("tr");
    cells(row, tr).forEach((cell, index) => tr.appendChild(td(cell, heads[index])));
    body.appendChild(tr);
  }
  if (!rows.length) {
    const empty = el("td", "ไม่มีรายการ", "empty");
    empty.colSpan = heads.length;
    const tr = el("tr");
    tr.appendChild(empty);
    body.appendChild(tr);
  }
  THAI.relieve(body);
}
const body = (selector) => document.querySelector(selector);

function charts(data) {
  const money = (value) => THAI.money(value);
  const series = (rows) => [
    { key: "planned", name: "ตามแผน", className: "planned", format: money,
      values: rows.map((r) => Number(r.planned)) },
    { key: "used", name: "ใช้จริง", className: "used", format: money,
      values: rows.map((r) => Number(r.used)) }];
  CHARTS.bars(document.getElementById("budget-chart"), {
    id: "budget-svg", label: "งบประมาณตามแผนและที่ใช้จริง จำแนกตามงบรายจ่าย",
    labels: data.budget_by_category.map((r) => r.label_th), series: series(data.budget_by_category) });
  CHARTS.bars(document.getElementById("quarter-chart"), {
    id: "quarter-svg", label: "งบประมาณตามแผนและที่ใช้จริง จำแนกตามไตรมาส",
    labels: data.budget_by_quarter.map((r) => r.label_th), series: series(data.budget_by_quarter) });
  CHARTS.attainment(document.getElementById("kpi-chart"), {
    id: "kpi-svg", label: "ร้อยละของค่าเป้าหมายที่บรรลุ รายตัวชี้วัด",
    rows: data.kpis.map((k) => ({ code: k.item_code, name: k.name_th, achieved: k.achieved,
                                  pct: k.attainment_pct === null ? null : Number(k.attainment_pct) })) });
}

function render(data) {
  current = data;
  const t = data.totals;
  document.getElementById("fiscal-year").textContent = data.fiscal_year_be;
  document.getElementById("tile-kpis").textContent = t.kpis_achieved + " / " + t.kpis;
  setText("tile-kpis-note", "รายงานผลแล้ว " + t.kpis_reported + " ตัวชี้วัด");
  document.getElementById("tile-budget").textContent = pct(t.budget_used_pct || "0.00");
  setText("tile-budget-note", THAI.money(t.budget_used) + " จาก " + THAI.money(t.budget_planned) +
          " บาท");
  document.getElementById("tile-open").textContent = t.open_cases;
  document.getElementById("tile-overdue").textContent = t.overdue_cases;
  document.getElementById("tile-dead-letters").textContent = t.dead_letters;
  document.getElementById("tile-dead-letters-box").hidden = t.dead_letters === 0;
  document.getElementById("dead-letters").hidden = data.dead_letters.length === 0;
  fill(body("#dead-letter-table tbody"), data.dead_letters, (d, tr) => {
    tr.dataset.caseId = d.case_id;
    return [d.service_th, d.event_type || "(ไม่ใช่เหตุการณ์ตามสัญญา)", d.source, d.reason,
            el("span", d.since ? THAI.dateTime(d.since) : "-", "nowrap")];
  });
  fill(body("#kpi-table tbody"), data.kpis, (k, tr) => {
    tr.dataset.kpi = k.item_code;
    if (k.achieved === false) tr.className = "missed";
    return [k.item_code + " " + k.name_th, td(THAI.phrases(plain(k.target_value) + " " + k.unit)),
            num(plain(k.actual)), num(pct(k.attainment_pct))];
  });
  const money = (r) => [r.label_th, num(THAI.money(r.planned)), num(THAI.money(r.used)),
                        num(pct(r.used_pct))];
  fill(body("#budget-by-category"), data.budget_by_category, money);
  fill(body("#budget-by-quarter"), data.budget_by_quarter, money);
  fill(body("#steps-table tbody"), data.cases_by_step, (r) => [r.service_th, r.step_th,
       num(String(r.open)), num(String(r.overdue))]);
  fill(body("#overdue-table tbody"), data.overdue, (c, tr) => {
    tr.className = "late";
    return [c.title || "(ลับ)", c.service_th, c.step_th || "-", c.holder_th || c.holder || "-",
            el("span", THAI.isoDate(c.due), "nowrap")];
  });
  charts(data);
}

const connection = document.getElementById("connection");
let pending = null;
function refresh() {
  // Many events may arrive together: one refresh for the lot.
  if (pending) return;
  pending = setTimeout(async () => {
    pending = null;
    try {
      const response = await fetch("/dashboard/summary?fiscal_year_be=" + current.fiscal_year_be);
      if (response.ok) render(await response.json());
    } catch (error) {
      connection.dataset.state = "error";
    }
  }, 200);
}
function follow() {
  const feed = new EventSource("/feed?after=" + current.position);
  feed.addEventListener("open", () => {
    connection.dataset.state = "live";
    connection.textContent = "อัปเดตอัตโนมัติ";
  });
  feed.addEventListener("status", refresh);
  feed.addEventListener("budget_use", refresh);
  feed.addEventListener("error", () => {
    connection.dataset.state = "error";
    connection.textContent = "ขาดการเชื่อมต่อ กำลังเชื่อมต่อใหม่…";
  });
}
THAI.keepWhole(document.body);
render(current);
let resized = null;
window.addEventListener("resize", () => {  // charts are drawn to the width they have
  clearTimeout(resized);
  resized = setTimeout(() => charts(current), 150);
});
// After the page has loaded, so that a screenshot or a crawler sees the figures at once.
window.addEventListener("load", () => setTimeout(follow, 0));
