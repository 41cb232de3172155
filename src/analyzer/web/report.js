// report.js - memkit's HTML report: totals, heap over time, flame graph, top sites, advice; and the
// differential page of `memkit diff --format html`. The data is the JSON in #mk-data; everything
// taken from it reaches the page as text (textContent, attributes), never as markup.
(function () {
  "use strict";
  const T0 = performance.now();
  const D = JSON.parse(document.getElementById("mk-data").textContent);
  const $ = (id) => document.getElementById(id);
  const DIFF = D.kind === "diff";
  const SVGNS = "http://www.w3.org/2000/svg";

  function el(tag, attrs, kids) {
    const e = document.createElement(tag);
    if (attrs) for (const k in attrs) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "cls") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    if (kids) for (const c of kids) if (c != null) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    return e;
  }
  function svg(tag, attrs) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  const num = (n) => Math.round(n).toLocaleString("en-US");
  function human(n) {
    const a = Math.abs(n);
    if (a < 1024) return num(n) + " B";
    const u = ["KiB", "MiB", "GiB", "TiB"];
    let v = n / 1024, i = 0;
    while (Math.abs(v) >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return v.toFixed(Math.abs(v) < 10 ? 2 : 1) + " " + u[i];
  }
  function duration(us) {
    if (us < 1000) return num(us) + " µs";
    if (us < 1e6) return (us / 1e3).toFixed(1) + " ms";
    return (us / 1e6).toFixed(2) + " s";
  }
  // Long names (C++ templates run to thousands of characters) are cut for display; the full text
  // stays in the stack listing and in the title attribute.
  const short = (s, n) => (s.length > (n || 160) ? s.slice(0, (n || 160) - 1) + "\u2026" : s);
  const pct = (a, b) => (b ? (100 * a / b).toFixed(1) : "0.0") + "%";
  function signed(n, unitFn) { return (n > 0 ? "+" : n < 0 ? "\u2212" : "±") + (unitFn ? unitFn(Math.abs(n)) : num(Math.abs(n))); }
  function change(b, a) {
    if (b === a) return "no change";
    if (!b) return signed(a - b) + " (new)";
    return signed(a - b) + " (" + (a > b ? "+" : "\u2212") + (100 * Math.abs(a - b) / b).toFixed(1) + "%)";
  }

  // ---- frames: "0xADDR: function (file:line)" -> function name and location ----
  const fnIds = new Map(), fnNames = [];
  const frames = D.frames.map((s) => {
    let rest = s;
    const m = /^0x[0-9A-Fa-f]+: /.exec(s);
    if (m) rest = s.slice(m[0].length);
    let name = rest, loc = "";
    if (rest.endsWith(")")) {
      const i = rest.lastIndexOf(" (");
      if (i > 0) { name = rest.slice(0, i); loc = rest.slice(i + 2, -1); }
    }
    let id = fnIds.get(name);
    if (id === undefined) { id = fnNames.length; fnIds.set(name, id); fnNames.push(name); }
    return { fn: id, loc: loc, text: rest };
  });
  const ALLOC = /^(malloc|calloc|realloc|reallocarray|memalign|posix_memalign|aligned_alloc|valloc|pvalloc|strdup|strndup|operator new(\[\])?|__libc_malloc|__strdup|__strndup)(\(|$)/;
  const rootFn = frames.length && D.frames[0] === "[root]" ? 0 : -1;

  // Sites: fs (innermost first) and the five measures [total bytes, blocks, bytes at t-gmax,
  // bytes at exit, temporary blocks]; a (after, or the only profile) and b (before, diff only).
  const sites = DIFF
    ? D.sites.map((s, i) => ({ i: i, fs: s[0], b: s[1], a: s[2] }))
    : D.sites.map((s, i) => ({ i: i, fs: s[9], a: [s[0], s[1], s[2], s[4], s[6]], raw: s }));
  const P = DIFF ? D.after : D;
  const MEASURES = [
    { label: "total bytes", unit: "bytes" }, { label: "total blocks", unit: "blocks" },
    { label: "bytes at t-gmax", unit: "bytes" }, { label: "bytes live at exit", unit: "bytes" },
    { label: "temporary blocks", unit: "blocks" },
  ];
  const extra = DIFF ? D.before.extra && D.after.extra : D.extra;
  const totalsA = [P.totals.tb, P.totals.tbk, P.totals.gb, P.totals.eb, sites.reduce((s, x) => s + x.a[4], 0)];
  const totalsB = DIFF ? [D.before.totals.tb, D.before.totals.tbk, D.before.totals.gb, D.before.totals.eb,
    sites.reduce((s, x) => s + x.b[4], 0)] : null;

  function siteName(s) {
    for (const f of s.fs) {
      const fr = frames[f];
      if (fr && !ALLOC.test(fnNames[fr.fn])) return fr.text;
    }
    return s.fs.length ? frames[s.fs[0]].text : "(no stack)";
  }

  // ---- header, totals, notes ----
  function header() {
    const prog = $("program");
    if (DIFF) {
      document.title = "memkit diff: " + D.before.cmd + " \u2192 " + D.after.cmd;
      $("heading").textContent = "memkit diff";
      prog.append("Before: ", el("code", { text: D.before.cmd }), " (pid " + D.before.pid + ", " + D.beforePath + ")",
        el("br"), "After: ", el("code", { text: D.after.cmd }), " (pid " + D.after.pid + ", " + D.afterPath + ")");
    } else {
      document.title = "memkit: " + D.cmd;
      prog.append("Program: ", el("code", { text: D.cmd }), " (pid " + D.pid + ")", el("br"),
        "Ended: " + (D.ended || "not recorded in this profile"),
        D.timeUs && D.te ? "; ran " + duration(D.te) : "");
    }
  }

  function totals() {
    const t = $("totals"), T = P.totals;
    if (DIFF) {
      const B = D.before.totals;
      t.append(el("tr", null, [el("th", { text: "" }), el("th", { text: "before" }), el("th", { text: "after" }), el("th", { text: "change" })]));
      const rows = [["Total bytes:", B.tb, T.tb], ["Total blocks:", B.tbk, T.tbk], ["At t-gmax bytes:", B.gb, T.gb],
        ["At t-gmax blocks:", B.gbk, T.gbk], ["At t-end bytes:", B.eb, T.eb], ["At t-end blocks:", B.ebk, T.ebk]];
      for (const [label, b, a] of rows)
        t.append(el("tr", null, [el("th", { text: label }), el("td", { text: num(b) }), el("td", { text: num(a) }),
          el("td", { text: change(b, a), cls: a > b ? "grow" : a < b ? "shrink" : "" })]));
      if (D.before.timeUs && D.after.timeUs)
        t.append(el("tr", null, [el("th", { text: "Wall time:" }), el("td", { text: duration(D.before.te) }),
          el("td", { text: duration(D.after.te) }), el("td", { text: change(D.before.te, D.after.te).replace(/^([+\u2212±])([\d,]+)/, (m, s, v) => s + duration(+v.replace(/,/g, ""))),
            cls: D.after.te > D.before.te ? "grow" : "shrink" })]));
      return;
    }
    const line = (label, text, id) => t.append(el("tr", { id: id }, [el("th", { text: label }), el("td", { text: text })]));
    line("Total:", num(T.tb) + " bytes in " + num(T.tbk) + " blocks", "t-total");
    line("At t-gmax:", num(T.gb) + " bytes in " + num(T.gbk) + " blocks", "t-gmax");
    line("At t-end:", num(T.eb) + " bytes in " + num(T.ebk) + " blocks", "t-end");
    if (D.haveTotals)
      line("Frees:", num(T.frees) + ", reallocs: " + num(T.reallocs) + ", frees of unknown pointers: " +
        num(T.unknownFrees) + ", threads: " + num(T.threads), "t-frees");
    if (D.stateBytes != null) line("Recorder:", human(D.stateBytes) + " of state", "t-state");
  }

  function notes() {
    const n = $("notes"), add = (s) => n.append(el("li", { text: s }));
    for (const p of DIFF ? [D.before, D.after] : [D]) {
      const who = DIFF ? (p === D.before ? "Before: " : "After: ") : "";
      if (!p.timeline) add(who + "no timeline: this profile carries no mkTimeline (DHAT files written by valgrind, " +
        "and memkit profiles recorded without one, have none), so the heap over time is not shown.");
      if (!p.extra) add(who + "no temporary, realloc or size figures: the file was not written by memkit's recorder, " +
        "so the temporary-blocks measure and the advice are not available.");
      if (!DIFF && !p.ended) add("How the program ended is not recorded in this profile.");
      if (!p.timeUs) add(who + "times are in the file's own unit (valgrind counts instructions), not microseconds.");
      if (p.sampled) add(who + "sampled: stacks for about one block per " + num(p.sampled) + " bytes; per-site figures are estimates, totals are exact.");
      if (p.truncated) add(who + "the recorder ran out of memory and stopped recording; figures are incomplete.");
    }
    if (!sites.length) add("This profile has no allocation sites: there is no flame graph or site table to show.");
  }

  // ---- the heap over time ----
  const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"];
  function timeline() {
    const box = $("timeline"), legend = $("timeline-legend");
    const series = (DIFF ? [["before", D.before], ["after", D.after]] : [["", D]]).filter((x) => x[1].timeline);
    if (!series.length) {
      box.append(el("p", { cls: "missing", text: "No timeline in " + (DIFF ? "either profile" : "this profile") + ": the heap over time cannot be drawn." }));
      return;
    }
    const W = 1000, H = 260, L = 70, R = 16, T = 14, Bm = 30;
    let tmax = 1, ymax = 1;
    for (const [, p] of series) {
      for (const q of p.timeline) { tmax = Math.max(tmax, q[0]); ymax = Math.max(ymax, q[1]); }
      tmax = Math.max(tmax, p.te || 0);
      ymax = Math.max(ymax, p.totals.gb); // the timeline's points are samples: the peak may fall between them
    }
    const X = (t) => L + (W - L - R) * t / tmax, Y = (b) => H - Bm - (H - T - Bm) * b / ymax;
    const s = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img",
      "aria-label": "Live heap bytes over time" + (DIFF ? ", before and after" : "") + "; peak " + human(ymax) });
    for (let i = 0; i <= 4; i++) {
      const y = Y(ymax * i / 4);
      s.append(svg("line", { x1: L, x2: W - R, y1: y, y2: y, stroke: "#e3e5e8" }));
      const tx = svg("text", { x: L - 6, y: y + 4, "text-anchor": "end" }); tx.textContent = human(ymax * i / 4); s.append(tx);
      const tt = svg("text", { x: X(tmax * i / 4), y: H - 10, "text-anchor": "middle" });
      tt.textContent = series[0][1].timeUs ? duration(tmax * i / 4) : num(tmax * i / 4); s.append(tt);
    }
    // Stacked areas of the top sites from the detailed points (a single profile only).
    if (!DIFF && D.detailed && D.detailed.length) {
      const peak = new Map();
      for (const [, ss] of D.detailed) for (const [site, b] of ss) peak.set(site, Math.max(peak.get(site) || 0, b));
      const top = [...peak.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map((x) => x[0]);
      const pts = D.detailed.map(([t, ss]) => {
        const m = new Map(ss); let sum = 0; for (const [, b] of ss) sum += b;
        const v = top.map((k) => m.get(k) || 0); v.push(Math.max(0, sum - v.reduce((a, b) => a + b, 0)));
        return [t, v];
      }).sort((a, b) => a[0] - b[0]);
      const layers = top.length + 1, base = pts.map(() => 0);
      for (let k = 0; k < layers; k++) {
        const up = pts.map((p, i) => base[i] + p[1][k]);
        let d = "M" + pts.map((p, i) => X(p[0]).toFixed(1) + "," + Y(up[i]).toFixed(1)).join("L");
        for (let i = pts.length - 1; i >= 0; i--) d += "L" + X(pts[i][0]).toFixed(1) + "," + Y(base[i]).toFixed(1);
        const color = k < top.length ? PALETTE[k] : "#bab0ac";
        s.append(svg("path", { d: d + "Z", fill: color, "fill-opacity": 0.55, stroke: color, "stroke-width": 0.5 }));
        for (let i = 0; i < pts.length; i++) base[i] = up[i];
        legend.append(el("li", null, [el("span", { cls: "sw", style: "background:" + color }),
          k < top.length ? short(siteName(sites[top[k]]), 100) : "other sites"]));
      }
    }
    series.forEach(([label, p], i) => {
      const color = DIFF ? (label === "before" ? "#1f5fa8" : "#b3261e") : "#1b1b1b";
      const d = "M" + p.timeline.map((q) => X(q[0]).toFixed(1) + "," + Y(q[1]).toFixed(1)).join("L");
      s.append(svg("path", { d: d, fill: "none", stroke: color, "stroke-width": 1.8, "stroke-dasharray": label === "before" ? "5 3" : "none" }));
      if (p.tg) {
        const x = X(p.tg), right = x > W * 0.7;
        s.append(svg("line", { x1: x, x2: x, y1: T, y2: H - Bm, stroke: color, "stroke-dasharray": "2 3" }));
        s.append(svg("circle", { cx: x, cy: Y(p.totals.gb), r: 3.5, fill: color }));
        const tx = svg("text", { x: right ? x - 6 : x + 6, y: T + 12 + 14 * i, fill: color, "text-anchor": right ? "end" : "start" });
        tx.textContent = (label ? label + " " : "") + "t-gmax: " + human(p.totals.gb);
        s.append(tx);
      }
      legend.append(el("li", null, [el("span", { cls: "sw", style: "background:" + color }),
        (label ? label + ": " : "") + "live bytes (" + p.timeline.length + " points; peak " + num(p.totals.gb) + " bytes at " +
        (p.timeUs ? duration(p.tg) : num(p.tg)) + ")"]));
    });
    box.append(s);
  }

  // ---- the flame graph (an icicle: callers on top) ----
  let measure = 0, zoom = null, matchFns = null, lowerNames = null;
  const nodes = [];
  function newNode(fn, parent) {
    const n = { id: nodes.length, fn: fn, parent: parent, kids: null, a: [0, 0, 0, 0, 0], b: DIFF ? [0, 0, 0, 0, 0] : null,
      locs: null, depth: parent ? parent.depth + 1 : 0 };
    nodes.push(n);
    return n;
  }
  const root = newNode(-1, null);
  for (const s of sites) {
    let n = root;
    const add = (n) => { for (let k = 0; k < 5; k++) { n.a[k] += s.a[k]; if (DIFF) n.b[k] += s.b[k]; } };
    add(root);
    for (let k = s.fs.length - 1; k >= 0; k--) {
      const fr = frames[s.fs[k]];
      if (!fr || s.fs[k] === rootFn) continue;
      if (!n.kids) n.kids = new Map();
      let c = n.kids.get(fr.fn);
      if (!c) { c = newNode(fr.fn, n); n.kids.set(fr.fn, c); }
      if (fr.loc) {
        if (!c.locs) c.locs = [fr.loc];
        else if (c.locs.length < 6 && !c.locs.includes(fr.loc)) c.locs.push(fr.loc);
      }
      add(c);
      n = c;
    }
  }
  const nameOf = (n) => (n.fn < 0 ? "all" : fnNames[n.fn]);
  function hue(name) { let h = 0; for (let i = 0; i < name.length && i < 64; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0; return h; }
  function colorOf(n) {
    if (DIFF) {
      const a = n.a[measure], b = n.b[measure], m = Math.max(a, b);
      if (!m || a === b) return "hsl(220, 6%, 86%)";
      const r = Math.min(1, Math.abs(a - b) / m);
      return a > b ? "hsl(4, 80%, " + (92 - 30 * r) + "%)" : "hsl(215, 75%, " + (92 - 30 * r) + "%)";
    }
    if (n.fn < 0) return "hsl(30, 20%, 80%)";
    const h = hue(fnNames[n.fn]);
    if (ALLOC.test(fnNames[n.fn])) return "hsl(0, 0%, " + (78 + h % 8) + "%)";
    return "hsl(" + (8 + h % 42) + ", " + (70 + h % 20) + "%, " + (66 + (h >> 8) % 12) + "%)";
  }
  const ROW = 20;
  function renderFlame() {
    const box = $("flame"), W = box.clientWidth || 1000;
    const z = zoom || root, frag = document.createDocumentFragment();
    let maxDepth = 0;
    const put = (n, x, w, anc) => {
      const d = el("div", { cls: "fr" + (anc ? " anc" : "") + (matchFns && n.fn >= 0 && matchFns.has(n.fn) ? " match" : ""),
        "data-id": n.id, "data-name": nameOf(n) });
      d.style.left = x.toFixed(2) + "px"; d.style.top = (n.depth * ROW) + "px"; d.style.width = Math.max(w, 1).toFixed(2) + "px";
      d.style.background = colorOf(n);
      if (w >= 30) { d.textContent = nameOf(n); d.tabIndex = 0; d.setAttribute("role", "button"); }
      frag.appendChild(d);
      if (n.depth > maxDepth) maxDepth = n.depth;
    };
    for (let a = z.parent; a; a = a.parent) put(a, 0, W, true);
    const total = z.a[measure];
    if (total > 0) {
      const walk = (n, x, scale) => {
        const w = n.a[measure] * scale;
        put(n, x, w, false);
        let cx = x;
        if (!n.kids) return;
        const kids = [...n.kids.values()].filter((c) => c.a[measure] * scale >= 0.5).sort((p, q) => q.a[measure] - p.a[measure]);
        for (const c of kids) { walk(c, cx, scale); cx += c.a[measure] * scale; }
      };
      walk(z, 0, W / total);
    } else {
      put(z, 0, W, false);
    }
    box.replaceChildren(frag);
    box.style.height = ((maxDepth + 1) * ROW + 2) + "px";
    const m = MEASURES[measure];
    $("flame-status").textContent = zoom && zoom !== root
      ? "Zoomed into " + short(nameOf(zoom), 80) + ": " + num(z.a[measure]) + " " + m.unit + " (" + pct(z.a[measure], root.a[measure]) +
        "). Escape or Reset zoom goes back."
      : (DIFF ? "Width: " + m.label + " after; colour: red grew, blue shrank. " : "Width: share of " + m.label + "; callers above their callees. ") +
        "Click a frame to zoom in.";
  }
  function tipFor(n) {
    const t = $("tip");
    const rows = MEASURES.map((m, k) => (k === 4 && !extra) ? null : el("tr", null, DIFF
      ? [el("td", { text: m.label }), el("td", { cls: "num", text: num(n.b[k]) + " \u2192 " + num(n.a[k]) }),
        el("td", { cls: "num", text: change(n.b[k], n.a[k]) })]
      : [el("td", { text: m.label }), el("td", { cls: "num", text: num(n.a[k]) }), el("td", { cls: "num", text: pct(n.a[k], root.a[k]) })]));
    const locs = n.locs || [];
    t.replaceChildren(el("div", { cls: "nm", text: short(nameOf(n), 300) }),
      locs.length ? el("div", { cls: "loc", text: locs.slice(0, 5).join(", ") + (locs.length > 5 ? ", \u2026" : "") }) : null,
      el("table", null, rows));
    t.hidden = false;
  }
  function placeTip(x, y) {
    const t = $("tip"), r = t.getBoundingClientRect();
    t.style.left = Math.max(4, Math.min(x + 14, window.innerWidth - r.width - 8)) + "px";
    t.style.top = (y + 18 + r.height > window.innerHeight ? y - r.height - 10 : y + 18) + "px";
  }
  function setupFlame() {
    const sel = $("measure");
    MEASURES.forEach((m, k) => {
      const o = el("option", { value: k, text: m.label });
      if (k === 4 && !extra) { o.disabled = true; o.textContent += " (needs memkit's recorder)"; }
      sel.append(o);
    });
    sel.addEventListener("change", () => { measure = +sel.value; search(); renderTable(); });
    const box = $("flame");
    box.addEventListener("mousemove", (e) => {
      const d = e.target.closest(".fr");
      if (!d) { $("tip").hidden = true; return; }
      tipFor(nodes[+d.dataset.id]); placeTip(e.clientX, e.clientY);
    });
    box.addEventListener("mouseleave", () => { $("tip").hidden = true; });
    box.addEventListener("click", (e) => {
      const d = e.target.closest(".fr");
      if (d) { zoomTo(nodes[+d.dataset.id]); }
    });
    box.addEventListener("keydown", (e) => {
      const d = e.target.closest(".fr");
      if (d && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); zoomTo(nodes[+d.dataset.id]); }
    });
    box.addEventListener("focusin", (e) => {
      const d = e.target.closest(".fr");
      if (d) { tipFor(nodes[+d.dataset.id]); const r = d.getBoundingClientRect(); placeTip(r.left, r.bottom); }
    });
    box.addEventListener("focusout", () => { $("tip").hidden = true; });
    $("reset").addEventListener("click", () => zoomTo(null));
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && zoom) { zoomTo(zoom.parent && zoom.parent !== root ? zoom.parent : null); }
    });
    let timer = 0;
    $("search").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 120); });
    $("search").addEventListener("keydown", (e) => { if (e.key === "Enter") { clearTimeout(timer); search(); } });
    let rt = 0;
    window.addEventListener("resize", () => { clearTimeout(rt); rt = setTimeout(renderFlame, 100); });
  }
  function zoomTo(n) {
    zoom = n && n !== root ? n : null;
    $("tip").hidden = true;
    renderFlame();
  }
  function search() {
    const q = $("search").value.trim().toLowerCase();
    const st = $("search-status");
    if (!q) { matchFns = null; st.textContent = ""; renderFlame(); return; }
    matchFns = new Set();
    if (!lowerNames) lowerNames = fnNames.map((n) => n.toLowerCase());
    lowerNames.forEach((name, id) => { if (name.includes(q)) matchFns.add(id); });
    let held = 0;
    for (const s of sites) if (s.fs.some((f) => frames[f] && matchFns.has(frames[f].fn))) held += s.a[measure];
    st.textContent = matchFns.size + " function" + (matchFns.size === 1 ? "" : "s") + " match \u201c" + q + "\u201d; " +
      "the stacks through them hold " + num(held) + " " + MEASURES[measure].unit + ", " + pct(held, root.a[measure]) +
      " of " + MEASURES[measure].label;
    st.dataset.share = root.a[measure] ? String(held / root.a[measure]) : "0";
    renderFlame();
  }

  // ---- the top-sites table ----
  const COLS = DIFF
    ? [{ key: "chg", label: "change (bytes)", v: (s) => s.a[0] - s.b[0], abs: true }, { key: "b0", label: "before bytes", v: (s) => s.b[0] },
      { key: "a0", label: "after bytes", v: (s) => s.a[0] }, { key: "b1", label: "before blocks", v: (s) => s.b[1] },
      { key: "a1", label: "after blocks", v: (s) => s.a[1] }, { key: "g", label: "after at t-gmax", v: (s) => s.a[2] }]
    : [{ key: "tb", label: "total bytes", v: (s) => s.a[0] }, { key: "tbk", label: "blocks", v: (s) => s.a[1] },
      { key: "gb", label: "at t-gmax", v: (s) => s.a[2] }, { key: "eb", label: "live at exit", v: (s) => s.a[3] },
      { key: "tmp", label: "temporary", v: (s) => s.a[4], extra: true }, { key: "avg", label: "avg size", v: (s) => s.a[1] ? s.a[0] / s.a[1] : 0 }];
  const cols = COLS.filter((c) => !c.extra || extra);
  let sortCol = 0, sortAsc = false, limit = 100, shownSet = null;
  function sortedSites() {
    const c = cols[sortCol], v = c.abs ? (s) => Math.abs(c.v(s)) : c.v;
    return sites.slice().sort((p, q) => (sortAsc ? v(p) - v(q) : v(q) - v(p)) || q.a[0] - p.a[0] || p.i - q.i);
  }
  function renderTable() {
    const head = $("sites").tHead, body = $("sites").tBodies[0];
    const tr = el("tr", null, [el("th", { text: "#", cls: "num" })]);
    cols.forEach((c, k) => {
      const th = el("th", { cls: "num", scope: "col" }, [el("button", { type: "button", text: c.label, "data-col": c.key })]);
      if (k === sortCol) th.setAttribute("aria-sort", sortAsc ? "ascending" : "descending");
      th.firstChild.addEventListener("click", () => { if (sortCol === k) sortAsc = !sortAsc; else { sortCol = k; sortAsc = false; } renderTable(); });
      tr.append(th);
    });
    tr.append(el("th", { text: DIFF ? "site (innermost frame first)" : "site (click for the full stack)" }));
    head.replaceChildren(tr);
    const order = sortedSites(), n = Math.min(limit, order.length);
    const frag = document.createDocumentFragment();
    shownSet = new Set();
    for (let r = 0; r < n; r++) {
      const s = order[r];
      shownSet.add(s.i);
      const row = el("tr", { id: "site-" + s.i, cls: "site", "data-site": s.i }, [el("td", { cls: "num", text: String(r + 1) })]);
      for (const c of cols) {
        const v = c.v(s);
        row.append(el("td", { cls: "num" + (c.key === "chg" ? (v > 0 ? " grow" : v < 0 ? " shrink" : "") : ""),
          text: c.key === "chg" ? signed(v) : c.key === "avg" ? v.toFixed(1) : num(v), "data-v": v }));
      }
      const nm = siteName(s);
      const det = el("details", null, [el("summary", { text: short(nm), title: nm.length > 160 ? short(nm, 2000) : "" })]);
      det.addEventListener("toggle", () => {
        if (!det.open || det.querySelector("ol")) return;
        det.append(el("ol", null, s.fs.map((f) => el("li", { text: D.frames[f] }))));
      }, { once: false });
      const cell = el("td", { cls: "site" });
      if (DIFF && (!s.b[0] && !s.b[1])) cell.append(el("span", { cls: "tag new", text: "new" }), " ");
      if (DIFF && (!s.a[0] && !s.a[1])) cell.append(el("span", { cls: "tag gone", text: "gone" }), " ");
      cell.append(det);
      row.append(cell);
      frag.append(row);
    }
    body.replaceChildren(frag);
    $("sites-note").textContent = sites.length ? (n < order.length ? "The first " + n + " of " + num(order.length) + " sites" : "All " + num(order.length) + " sites") +
      ", by " + cols[sortCol].label + (sortAsc ? " (smallest first)" : "") + ". Click a column's name to sort by it." : "No sites.";
    const b = $("show-all");
    b.hidden = n >= order.length;
    b.textContent = "Show all " + num(order.length) + " sites";
  }
  function showSite(i) {
    if (!shownSet.has(i)) {
      // Not among the rows shown: back to the default order (the advice's), far enough to show it.
      sortCol = 0; sortAsc = false;
      const rank = sortedSites().findIndex((s) => s.i === i);
      limit = Math.max(limit, Math.ceil((rank + 1) / 100) * 100);
      renderTable();
    }
    const row = $("site-" + i);
    if (!row) return;
    for (const r of document.querySelectorAll("tr.target")) r.classList.remove("target");
    row.classList.add("target");
    const det = row.querySelector("details");
    det.open = true;
    row.scrollIntoView({ block: "center" });
    det.querySelector("summary").focus();
  }

  // ---- advice ----
  function advice() {
    const ul = $("advice");
    if (DIFF) { $("advice-sec").hidden = true; return; }
    if (!D.extra) { ul.append(el("li", { text: "None: this profile has no realloc or lifetime figures (record it with memkit run)." })); return; }
    if (!D.advice.length) { ul.append(el("li", { text: "None: no site crossed the thresholds (docs/PROFILER.md lists them)." })); return; }
    for (const a of D.advice) {
      const link = el("a", { href: "#site-" + a.site, text: short(siteName(sites[a.site])) });
      link.addEventListener("click", (e) => { e.preventDefault(); showSite(a.site); });
      ul.append(el("li", { "data-site": a.site }, [link, el("br"), a.text]));
    }
  }

  const t0 = performance.now();
  document.body.dataset.build = String(Math.round(t0 - T0));
  header();
  totals();
  notes();
  timeline();
  setupFlame();
  renderFlame();
  renderTable();
  advice();
  $("show-all").addEventListener("click", () => { limit = Infinity; renderTable(); });
  document.body.dataset.ready = String(Math.round(performance.now() - T0));
})();
