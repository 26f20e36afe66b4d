// Small SVG charts drawn in the page (no library, nothing from elsewhere): grouped bars of money
// planned and used, and each KPI's attainment against its target.
"use strict";

const CHARTS = (() => {
  const SVG = "http://www.w3.org/2000/svg";

  function node(tag, attributes, parent) {
    const element = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      element.setAttribute(name, String(value));
    }
    if (parent) parent.appendChild(element);
    return element;
  }
  function text(parent, x, y, content, attributes) {
    const element = node("text", { x, y, ...attributes }, parent);
    element.textContent = content;
    return element;
  }
  function titled(element, content) {
    node("title", {}, element).textContent = content;
    return element;
  }
  function width(container) {
    return Math.max(280, Math.round(container.clientWidth || 600));
  }
  // A round step for about `ticks` gridlines up to `max`: 1, 2 or 5 times a power of ten.
  function niceStep(max, ticks) {
    const raw = max / ticks;
    const power = 10 ** Math.floor(Math.log10(raw));
    return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw);
  }
  function svg(container, id, w, h, label) {
    const root = node("svg", { id, viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: "img",
                               "aria-label": label });
    container.replaceChildren(root);
    return root;
  }

  // Grouped vertical bars: `labels` along the bottom, one bar per series in each group, the axis
  // in baht with thousands separators.
  function bars(container, { id, label, labels, series, legend }) {
    const w = width(container);
    const h = 240;
    const margin = { top: 28, right: 8, bottom: 46, left: 78 };
    const values = series.flatMap((s) => s.values);
    if (!values.some((value) => value > 0)) {  // no money planned or used: nothing to scale
      const empty = svg(container, id, w, 40, label);
      text(empty, w / 2, 24, "ไม่มีรายการ", { "text-anchor": "middle" });
      return empty;
    }
    const root = svg(container, id, w, h, label);
    const max = Math.max(...values);
    const step = Math.max(1, niceStep(max, 4));
    const top = Math.ceil(max / step) * step;
    const plotH = h - margin.top - margin.bottom;
    const plotW = w - margin.left - margin.right;
    const y = (value) => margin.top + plotH - (value / top) * plotH;
    for (let tick = 0; tick <= top + step / 2; tick += step) {
      node("line", { x1: margin.left, x2: w - margin.right, y1: y(tick), y2: y(tick),
                     class: tick === 0 ? "axis" : "grid-line" }, root);
      text(root, margin.left - 6, y(tick) + 4, THAI.grouped(tick), { "text-anchor": "end" });
    }
    const group = plotW / Math.max(1, labels.length);
    const barW = Math.min(34, (group * 0.7) / series.length);
    labels.forEach((name, index) => {
      const start = margin.left + index * group + (group - barW * series.length) / 2;
      series.forEach((s, k) => {
        const value = s.values[index];
        const rect = node("rect", {
          x: start + k * barW, y: y(value), width: Math.max(1, barW - 2),
          height: Math.max(0, y(0) - y(value)), class: s.className,
          "data-series": s.key, "data-label": name, "data-value": value }, root);
        titled(rect, `${name} ${s.name}: ${s.format(value)} บาท`);
      });
      text(root, margin.left + index * group + group / 2, h - margin.bottom + 16, name,
           { "text-anchor": "middle" });
    });
    let x = margin.left;
    for (const s of legend ?? series) {
      node("rect", { x, y: 8, width: 12, height: 12, class: s.className }, root);
      text(root, x + 16, 18, s.name);
      x += 16 + s.name.length * 9 + 24;
    }
    return root;
  }

  // Horizontal bars: each KPI's result as a share of its target, the target (100%) dashed.
  function attainment(container, { id, label, rows }) {
    const w = width(container);
    const rowH = 26;
    const margin = { top: 22, right: 56, bottom: 8, left: 92 };
    const h = margin.top + margin.bottom + Math.max(1, rows.length) * rowH;
    const root = svg(container, id, w, h, label);
    const max = Math.max(120, ...rows.map((r) => r.pct ?? 0));
    const plotW = w - margin.left - margin.right;
    const x = (pct) => margin.left + (Math.min(pct, max) / max) * plotW;
    if (!rows.length) {
      text(root, w / 2, margin.top + 16, "ไม่มีรายการ", { "text-anchor": "middle" });
      return root;
    }
    for (const tick of [0, 50, 100]) {
      text(root, x(tick), margin.top - 8, tick + "%", { "text-anchor": "middle" });
    }
    rows.forEach((r, index) => {
      const top = margin.top + index * rowH;
      text(root, margin.left - 6, top + 17, r.code, { "text-anchor": "end" });
      if (r.pct === null) {
        text(root, margin.left + 4, top + 17, "ยังไม่รายงานผล", { class: "pending-text" });
        return;
      }
      const rect = node("rect", {
        x: margin.left, y: top + 5, width: Math.max(1, x(r.pct) - margin.left), height: rowH - 10,
        class: r.achieved ? "achieved" : "missed", "data-kpi": r.code, "data-value": r.pct }, root);
      titled(rect, `${r.code} ${r.name}: ${r.pct}% ของค่าเป้าหมาย`);
      text(root, x(r.pct) + 4, top + 17, r.pct + "%");
    });
    node("line", { x1: x(100), x2: x(100), y1: margin.top - 4, y2: h - margin.bottom,
                   class: "target" }, root);
    node("line", { x1: margin.left, x2: margin.left, y1: margin.top - 4, y2: h - margin.bottom,
                   class: "axis" }, root);
    return root;
  }

  return { bars, attainment };
})();
