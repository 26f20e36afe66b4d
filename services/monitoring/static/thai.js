// Thai text, dates and money as the office's pages show them (the status page and the dashboard).
"use strict";

const THAI = (() => {
  const MONTHS = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
                  "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."];
  // Calendar dates are Bangkok dates whatever the browser's own time zone.
  const BANGKOK = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Bangkok", year: "numeric", month: "numeric", day: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  // The office's words the browser's dictionary cuts wrongly ("ผู้อำนวยการก|ลุ่ม", "การก" being
  // a word of its own): kept whole inside a longer phrase too.
  // Longest first: a term inside a longer one is kept with it.
  const TERMS = ["ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา", "ผู้อำนวยการกลุ่ม", "ผู้อำนวยการ",
                 "การศึกษาขั้นพื้นฐาน", "ขั้นพื้นฐาน", "บริหารจัดการ", "งบประมาณ", "คณะกรรมการ",
                 "นโยบายและแผน", "ประมวลผล", "ผู้รับผิดชอบ", "ข้อเสนอแนะ", "ตรวจราชการ",
                 "ตรวจทาน", "ค่าเป้าหมาย", "เป้าหมาย", "ตัวชี้วัด", "ดำเนินงาน", "ดำเนินการ",
                 "กำหนด", "ประเมินผล", "ติดตาม", "รายงานผล", "ไตรมาส", "ร้อยละ", "สำเร็จ",
                 "ข้อความ", "สถานศึกษา", "โรงเรียน", "นักเรียน", "พิจารณา"];
  const TERM = new RegExp("(" + TERMS.join("|") + ")");

  function bangkokParts(date) {
    const parts = {};
    for (const p of BANGKOK.formatToParts(date)) parts[p.type] = p.value;
    return { y: +parts.year, m: +parts.month, d: +parts.day, time: parts.hour + ":" + parts.minute };
  }
  function ymd(y, m, d) {
    return y + "-" + String(m).padStart(2, "0") + "-" + String(d).padStart(2, "0");
  }
  function date(y, m, d) { return d + " " + MONTHS[m - 1] + " " + (y + 543); }
  function isoDate(iso) {
    if (!iso) return "-";
    const [y, m, d] = iso.split("-").map(Number);
    return date(y, m, d);
  }
  function dateTime(iso) {
    const p = bangkokParts(new Date(iso));
    return date(p.y, p.m, p.d) + " " + p.time + " น.";
  }
  function todayBangkok() { const t = bangkokParts(new Date()); return ymd(t.y, t.m, t.d); }

  // Thai is written without spaces between words; a space ends a phrase. The browser breaks
  // Thai lines with a dictionary that can cut a word in two ("ผู้อำนวยการก|ลุ่ม", "ตรวจ|ทาน"),
  // so every phrase is kept on one line (a line breaks only at the spaces between phrases), and
  // once laid out (`relieve`) a phrase wider than the room it has is let go: the browser breaks
  // it, keeping the office's terms whole. Nothing is ever cut anywhere (no break-all).
  function phrases(text) {
    const fragment = document.createDocumentFragment();
    for (const part of String(text ?? "").split(/(\s+)/)) {
      if (!part) continue;
      if (/^\s+$/.test(part)) fragment.appendChild(document.createTextNode(" "));
      else fragment.appendChild(whole(part, "phrase"));
    }
    return fragment;
  }
  function whole(text, className) {
    const span = document.createElement("span");
    span.className = className;
    span.textContent = text;
    return span;
  }
  // Every Thai text already in the page (headings, labels, table heads) kept whole the same way.
  const THAI_LETTER = /[\u0E01-\u0E5B]/;
  function keepWhole(root) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) => THAI_LETTER.test(node.data) &&
        !node.parentElement.closest("script, style, svg, option, .phrase, .term, .loose")
        ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT });
    const found = [];
    while (walker.nextNode()) found.push(walker.currentNode);
    for (const node of found) node.replaceWith(phrases(node.data.replace(/\s+/g, " ")));
    relieve(root);
  }
  function room(element) {
    const style = getComputedStyle(element);
    return element.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  }
  function relieve(root) {
    for (const span of root.querySelectorAll(".phrase")) {
      if (span.getBoundingClientRect().width <= room(span.parentElement) + 0.5) continue;
      const loose = whole("", "loose");
      for (const piece of span.textContent.split(TERM)) {
        if (piece) loose.appendChild(TERMS.includes(piece) ? whole(piece, "term")
                                                           : document.createTextNode(piece));
      }
      span.replaceWith(loose);
    }
  }

  // Money and values arrive as exact decimal strings: digits grouped without going through floats.
  function money(value) {
    if (value === null || value === undefined) return "-";
    const [whole, fraction] = String(value).split(".");
    const sign = whole.startsWith("-") ? "-" : "";
    const digits = whole.replace("-", "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return sign + digits + "." + ((fraction || "") + "00").slice(0, 2);
  }
  function grouped(number) {
    return Math.round(number).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  return { MONTHS, bangkokParts, ymd, date, isoDate, dateTime, todayBangkok, phrases, relieve,
           keepWhole, money, grouped };
})();
