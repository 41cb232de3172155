// page.js - opens one of memkit's HTML reports in headless Chromium (Debian's /usr/bin/chromium
// through playwright-core) and checks it as a user would use it. Prints "ok NAME" / "FAIL NAME: why"
// lines and exits 1 when something failed.
//   node page.js SPEC.json
// SPEC: {"file": "report.html", "screenshot": "out.png", "totals": ["Total: ...", ...],
//        "search": "name", "timeline": true|false, "notes": ["substring", ...], "text": ["substring"],
//        "interact": true, "diff": false, "expectFrames": ["name", ...], "time": true}
const fs = require("fs");
const os = require("os");
const path = require("path");
const { chromium } = require("playwright-core");

async function main() {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "memkit-chromium-"));
  let failed = 0;
  const ok = (name) => console.log(`ok   ${name}`);
  const bad = (name, why) => { failed++; console.log(`FAIL ${name}: ${why}`); };
  const expect = (name, cond, why) => (cond ? ok(name) : bad(name, why));
  let ctx;
  try {
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium", headless: true, viewport: { width: 1280, height: 900 },
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run"],
    });
    const page = ctx.pages()[0] || (await ctx.newPage());
    const errors = [], requests = [];
    const url = "file://" + path.resolve(spec.file);
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("request", (r) => { if (r.url() !== url && !r.url().startsWith("data:")) requests.push(r.url()); });
    page.on("dialog", (d) => { errors.push("a dialog opened: " + d.message()); d.dismiss(); });
    const t0 = Date.now();
    await page.goto(url);
    await page.waitForSelector("body[data-ready]", { timeout: 20000 });
    const loadMs = Date.now() - t0;
    if (spec.time) {
      // Interactive: a measure switch and a search both answer.
      const t1 = Date.now();
      await page.selectOption("#measure", "1");
      await page.fill("#search", "fn_1");
      await page.press("#search", "Enter");
      await page.waitForFunction(() => document.getElementById("search-status").textContent.length > 0);
      const interMs = Date.now() - t1;
      const stat = await page.evaluate(() => ({ frames: document.querySelectorAll(".fr").length, script: +document.body.dataset.ready,
        build: +document.body.dataset.build }));
      console.log(`time: load+render ${loadMs} ms (script ${stat.script} ms, of which parsing and the tree ${stat.build} ms), ` +
        `measure switch + search ${interMs} ms, ${stat.frames} frames drawn`);
    }
    expect("page loads with no console error", errors.length === 0, errors.join(" | "));
    expect("no request leaves the file", requests.length === 0, requests.join(", "));
    const pwned = await page.evaluate(() => window.__mk_pwned === undefined && !document.querySelector("img,iframe,object,embed"));
    expect("no injected markup or script ran", pwned, "window.__mk_pwned is set or an element was injected");
    if (spec.totals) {
      const rows = await page.evaluate(() => [...document.querySelectorAll("#totals tr")].map((r) => r.innerText.replace(/\s+/g, " ").trim()));
      for (const want of spec.totals) {
        const w = want.replace(/\s+/g, " ").trim();
        expect(`totals on the page: ${w}`, rows.includes(w), `page shows ${JSON.stringify(rows)}`);
      }
    }
    for (const s of spec.text || []) {
      const body = await page.evaluate(() => document.body.innerText);
      expect(`page says "${s}"`, body.includes(s), "not in the page's text");
    }
    for (const s of spec.notes || []) {
      const notes = await page.evaluate(() => document.getElementById("notes").innerText);
      expect(`notes say "${s}"`, notes.includes(s), `notes: ${notes}`);
    }
    if (spec.timeline !== undefined) {
      const has = await page.evaluate(() => !!document.querySelector("#timeline svg path"));
      expect(spec.timeline ? "the heap over time is drawn" : "no timeline: the page says so", has === spec.timeline,
        has ? "a chart is drawn" : "no chart");
      if (spec.timeline && spec.stacked) {
        const n = await page.evaluate(() => document.querySelectorAll("#timeline svg path[fill-opacity]").length);
        expect(`stacked areas of the top sites (${spec.stacked})`, n === spec.stacked, `${n} areas`);
        const gmax = await page.evaluate(() => [...document.querySelectorAll("#timeline svg text")].some((t) => /t-gmax/.test(t.textContent)));
        expect("t-gmax is marked on the chart", gmax, "no t-gmax label");
      }
    }
    for (const name of spec.expectFrames || []) {
      const found = await page.evaluate((n) => [...document.querySelectorAll(".fr")].some((d) => d.dataset.name === n), name);
      expect(`flame graph has a frame named ${JSON.stringify(name).slice(0, 60)}`, found, "not drawn");
    }
    if (spec.interact) {
      const W = await page.evaluate(() => document.getElementById("flame").clientWidth);
      const widths = () => page.evaluate(() => [...document.querySelectorAll(".fr")]
        .map((d) => d.dataset.name + "=" + Math.round(parseFloat(d.style.width))).sort().join(" "));
      const before = await widths();
      await page.selectOption("#measure", "1");
      const after = await widths();
      expect("switching the measure changes the flame graph", before !== after, `same widths: ${before.slice(0, 300)}`);
      await page.selectOption("#measure", "0");
      // Click the narrowest labelled frame below the first row: its width grows to the full width.
      const target = await page.evaluate((W) => {
        const c = [...document.querySelectorAll(".fr[role=button]")].filter((d) => parseFloat(d.style.top) >= 20 && parseFloat(d.style.width) < W * 0.9)
          .sort((a, b) => parseFloat(a.style.width) - parseFloat(b.style.width));
        return c.length ? { id: c[0].dataset.id, name: c[0].dataset.name, w: parseFloat(c[0].style.width) } : null;
      }, W);
      if (!target) bad("a click zooms", "no frame narrower than the graph to click");
      else {
        await page.click(`.fr[data-id="${target.id}"]`);
        const w2 = await page.evaluate((id) => { const d = document.querySelector(`.fr[data-id="${id}"]`); return d ? parseFloat(d.style.width) : -1; }, target.id);
        expect(`a click zooms: ${target.name.slice(0, 40)} grows from ${Math.round(target.w)} px to the full ${W} px`, Math.abs(w2 - W) <= 1, `width now ${w2}`);
        const status = await page.evaluate(() => document.getElementById("flame-status").textContent);
        expect("the zoom is announced with a way back", /Zoomed into/.test(status) && /Reset zoom/.test(status), status);
        await page.keyboard.press("Escape");
        await page.click("#reset");
        const w3 = await page.evaluate((id) => { const d = document.querySelector(`.fr[data-id="${id}"]`); return d ? parseFloat(d.style.width) : -1; }, target.id);
        expect("Reset zoom goes back", Math.abs(w3 - target.w) <= 1, `width now ${w3}, was ${target.w}`);
      }
      if (spec.search) {
        await page.fill("#search", spec.search);
        await page.press("#search", "Enter");
        const r = await page.evaluate((q) => {
          const all = [...document.querySelectorAll(".fr")];
          const should = all.filter((d) => d.dataset.name.toLowerCase().includes(q.toLowerCase()) && d.dataset.name !== "all");
          const are = all.filter((d) => d.classList.contains("match"));
          return { should: should.length, are: are.length, same: should.every((d) => d.classList.contains("match")) && are.every((d) => should.includes(d)),
                   status: document.getElementById("search-status").textContent, share: document.getElementById("search-status").dataset.share };
        }, spec.search);
        expect(`search "${spec.search}" highlights exactly the matching frames (${r.should})`, r.should > 0 && r.same, JSON.stringify(r));
        expect("search says the share the matches hold", /%/.test(r.status) && +r.share > 0, r.status);
        if (spec.searchShare !== undefined)
          expect(`the share is ${spec.searchShare}`, Math.abs(+r.share - spec.searchShare) < 1e-9, `share ${r.share}`);
        await page.fill("#search", "");
        await page.press("#search", "Enter");
      }
      // The table sorts: by blocks, largest first, then smallest first.
      const col = spec.diff ? "b1" : "tbk";
      const idx = await page.evaluate((col) => [...document.querySelectorAll("#sites thead th")].findIndex((th) => th.querySelector(`button[data-col="${col}"]`)), col);
      const values = () => page.evaluate((i) => [...document.querySelectorAll("#sites tbody tr")].map((r) => +r.children[i].dataset.v), idx);
      await page.click(`#sites thead button[data-col="${col}"]`);
      const down = await values();
      expect("the table sorts by blocks, largest first", down.length > 1 && down.every((v, i) => !i || down[i - 1] >= v), JSON.stringify(down.slice(0, 10)));
      await page.click(`#sites thead button[data-col="${col}"]`);
      const up = await values();
      expect("a second click sorts smallest first", up.length > 1 && up.every((v, i) => !i || up[i - 1] <= v), JSON.stringify(up.slice(0, 10)));
      // The keyboard reaches the controls.
      await page.focus("#measure");
      await page.keyboard.press("Tab");
      const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
      expect("Tab moves from the measure to the search box", focused === "search", `focus on ${focused}`);
      if (!spec.diff) {
        const adv = await page.evaluate(() => { const a = document.querySelector("#advice a"); if (!a) return null; a.click();
          const row = document.querySelector("tr.target"); return row ? [a.getAttribute("href"), "#" + row.id, row.querySelector("details").open] : ["none"]; });
        if (spec.advice) expect("an advice item links to its site's row (opened)", adv && adv[0] === adv[1] && adv[2], JSON.stringify(adv));
      }
      await page.evaluate(() => window.scrollTo(0, 0));
    }
    if (spec.screenshot) await page.screenshot({ path: spec.screenshot, fullPage: true });
  } catch (e) {
    bad("the page could be checked", String(e).split("\n")[0]);
  } finally {
    if (ctx) await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

main().then((rc) => process.exit(rc), (e) => { console.log(`FAIL page.js: ${e}`); process.exit(1); });
