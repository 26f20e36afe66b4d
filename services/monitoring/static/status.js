// The status page: a page of cases at a time, paged and filtered by the server (`board`), its
// filters' choices from `board/facets`, refreshed when the live feed says something changed.
"use strict";

const SERVICES = {
  correspondence: "งานธุรการ (สารบรรณ)",
  planning: "นโยบายและแผน",
  budgeting: "งบประมาณ",
  restructuring: "จัดตั้ง ยุบรวม เลิกสถานศึกษา",
  monitoring: "ติดตามประเมินผล",
};
const PAGE_SIZE = 50;

const $ = (id) => document.getElementById(id);
const tbody = $("cases");
const connection = $("connection");
const controls = {
  service: $("f-service"), step: $("f-step"), holder: $("f-holder"),
  overdue: $("only-overdue"), closed: $("show-closed"),
};
// The cursors of the pages before this one (null: the first page), and where the next starts.
let cursors = [null];
let nextCursor = null;
let caseType = "";  // "dead_letter" when the operator chose to see only dead letters
let position = 0;

function query(extra) {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE), ...extra });
  if (controls.service.value) params.set("service", controls.service.value);
  if (controls.step.value) params.set("step", controls.step.value);
  if (controls.holder.value) params.set("holder", controls.holder.value);
  if (controls.overdue.checked) params.set("overdue", "true");
  if (!controls.closed.checked) params.set("closed", "false");
  if (caseType) params.set("case_type", caseType);
  return params;
}

function isOverdue(c) { return !c.closed && !!c.due && c.due < THAI.todayBangkok(); }

function cell(row, label, content, className) {
  const td = document.createElement("td");
  td.dataset.label = label;
  if (className) td.className = className;
  const value = document.createElement("span");  // beside its label on a phone
  value.className = "value";
  if (content instanceof Node) value.appendChild(content);
  else value.textContent = content ?? "—";
  td.appendChild(value);
  row.appendChild(td);
}
function timeElement(iso, text) {
  const t = document.createElement("time");
  t.dateTime = iso;
  t.textContent = text;
  return t;
}
function sinceCell(c) {
  if (!c.since) return "—";
  const wrap = document.createElement("span");
  wrap.appendChild(timeElement(c.since, THAI.dateTime(c.since)));
  if (!c.closed) {
    const days = Math.floor((Date.now() - new Date(c.since).getTime()) / 86400000);
    const note = document.createElement("span");
    note.className = "muted nowrap";
    note.textContent = "(รอ " + (days < 1 ? "ไม่ถึง 1 วัน" : days + " วัน") + ")";
    wrap.append(" ", note);
  }
  return wrap;
}
function stateCell(c) {
  const span = document.createElement("span");
  span.className = "badge nowrap";
  span.textContent = c.closed ? "เสร็จสิ้น" : isOverdue(c) ? "เกินกำหนด" : "ไม่เกิน";
  return span;
}

function row(c) {
  const tr = document.createElement("tr");
  tr.dataset.caseId = c.case_id;
  if (isOverdue(c)) tr.classList.add("overdue");
  if (c.closed) tr.classList.add("closed");
  const classified = c.secrecy && c.secrecy !== "none";
  cell(tr, "เรื่อง", THAI.phrases(classified ? "(เรื่องชั้นความลับ)" : c.title ?? "—"), "title");
  cell(tr, "บริการ", THAI.phrases(SERVICES[c.source] || c.source), "service");
  cell(tr, "ขั้นตอน", THAI.phrases(c.step_th ?? "—"), "step");
  cell(tr, "ผู้รับผิดชอบ", THAI.phrases(c.holder_th || c.holder || "—"), "holder");
  cell(tr, "รอตั้งแต่", sinceCell(c), "since");
  cell(tr, "กำหนดเสร็จ", c.due ? timeElement(c.due, THAI.isoDate(c.due)) : "—", "due");
  cell(tr, "สถานะ", stateCell(c), "state");
  return tr;
}

function showPage(page) {
  const rows = page.items.map(row);
  if (!rows.length) {
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = 7;
    td.className = "empty";
    td.textContent = "ไม่มีรายการ";
    tr.appendChild(td);
    rows.push(tr);
  }
  tbody.replaceChildren(...rows);
  THAI.relieve(tbody);
  nextCursor = page.next_cursor;
  const first = (cursors.length - 1) * PAGE_SIZE;
  $("count").textContent = "(" + page.total + " เรื่อง)";
  $("page-info").textContent = page.items.length
    ? "แสดง " + (first + 1) + "–" + (first + page.items.length) + " จาก " + page.total + " เรื่อง"
    : "ไม่มีรายการ";
  $("prev").disabled = cursors.length <= 1;
  $("next").disabled = !nextCursor;
}

function fillSelect(select, options, chosen) {
  const first = select.options[0];
  const items = options.map(([value, label]) => {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = label;
    return option;
  });
  if (chosen && !options.some(([value]) => value === chosen)) {
    const kept = document.createElement("option");  // still chosen, though no case has it now
    kept.value = chosen;
    kept.textContent = chosen + " (0)";
    items.push(kept);
  }
  select.replaceChildren(first, ...items);
  select.value = chosen;
}

let latestFacets = 0;
async function loadFacets() {
  const mine = ++latestFacets;
  const params = new URLSearchParams({ include_closed: String(controls.closed.checked) });
  if (controls.service.value) params.set("service", controls.service.value);
  const response = await fetch("board/facets?" + params);
  if (!response.ok) throw new Error(response.status);
  const facets = await response.json();
  if (mine !== latestFacets) return;
  fillSelect(controls.service, facets.services.map(
    (f) => [f.service, (SERVICES[f.service] || f.service) + " (" + f.cases + ")"]),
    controls.service.value);
  const steps = new Map();
  for (const f of facets.steps) {
    const known = steps.get(f.step);
    steps.set(f.step, { label: known ? known.label : f.step_th,
                        cases: (known ? known.cases : 0) + f.cases });
  }
  fillSelect(controls.step, [...steps].map(([step, s]) => [step, s.label + " (" + s.cases + ")"])
    .sort((a, b) => a[1].localeCompare(b[1], "th")), controls.step.value);
  fillSelect(controls.holder, facets.holders.map(
    (f) => [f.holder, (f.holder_th || f.holder) + " (" + f.cases + ")"]), controls.holder.value);
}

async function loadDeadLetters() {
  const response = await fetch("board?" + new URLSearchParams(
    { case_type: "dead_letter", closed: "false", limit: "1" }));
  if (!response.ok) return;
  const page = await response.json();
  $("dead-letters").hidden = page.total === 0;
  $("dead-letters-text").replaceChildren(THAI.phrases("มีข้อความค้างที่ยังไม่ได้ประมวลผล " +
    page.total + " รายการ: งานที่ข้อความนั้นขอยังไม่เกิดขึ้น ผู้ดูแลระบบต้องแก้ไขสาเหตุ " +
    "แล้วส่งประมวลผลซ้ำ"));
  THAI.relieve($("dead-letters"));
}

// Filters may change again before an answer arrives: only the latest request's answer is shown.
let latest = 0;
async function loadPage() {
  const mine = ++latest;
  const cursor = cursors[cursors.length - 1];
  const response = await fetch("board?" + query(cursor ? { cursor } : {}),
                               { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(response.status);
  const page = await response.json();
  if (mine !== latest) return;
  position = Math.max(position, Number(response.headers.get("X-Feed-Position") || 0));
  showPage(page);
}

async function reload() {
  try {
    await Promise.all([loadPage(), loadFacets(), loadDeadLetters()]);
    document.body.dataset.loaded = "true";
  } catch (error) {
    connection.dataset.state = "error";
    connection.textContent = "โหลดรายการเรื่องไม่สำเร็จ โปรดลองใหม่ภายหลัง";
  }
}

let pending = null;
function reloadSoon() {
  // Many changes may arrive together: one reload for the lot.
  if (pending) return;
  pending = setTimeout(() => { pending = null; reload(); }, 300);
}

function follow() {
  // On reconnect the browser sends Last-Event-ID itself; the server prefers it to ?after.
  const feed = new EventSource("feed?after=" + position);
  feed.onopen = () => {
    connection.dataset.state = "ok";
    connection.textContent = "เชื่อมต่อแล้ว ข้อมูลอัปเดตทันทีเมื่อมีการเปลี่ยนแปลง";
  };
  feed.onerror = () => {
    connection.dataset.state = "error";
    connection.textContent = "ขาดการเชื่อมต่อ กำลังเชื่อมต่อใหม่…";
  };
  feed.addEventListener("status", reloadSoon);
}

function restart() {
  cursors = [null];
  reload();
}
// Another service has other steps: its choice clears the step chosen before.
controls.service.addEventListener("change", () => { controls.step.value = ""; });
for (const control of Object.values(controls)) control.addEventListener("change", restart);
$("clear-filters").addEventListener("click", () => {
  for (const select of [controls.service, controls.step, controls.holder]) select.value = "";
  controls.overdue.checked = controls.closed.checked = false;
  caseType = "";
  restart();
});
$("show-dead-letters").addEventListener("click", () => { caseType = "dead_letter"; restart(); });
$("next").addEventListener("click", () => {
  if (nextCursor) { cursors.push(nextCursor); reload(); }
});
$("prev").addEventListener("click", () => {
  if (cursors.length > 1) { cursors.pop(); reload(); }
});
window.addEventListener("resize", () => THAI.relieve(tbody));
setInterval(reload, 60000);  // waiting days and overdue flags move with the clock
THAI.keepWhole(document.body);
reload().then(follow);
