// viewer.js - loads a DHAT file into valgrind's real dh_view.html in headless Chromium and checks
// the root's "Total:" line against the expected bytes and blocks, and that no error is shown.
//   node viewer.js FILE BYTES BLOCKS
// Exits 0 when the viewer agrees; prints what it saw otherwise.
const fs = require("fs");
const os = require("os");
const path = require("path");
const { chromium } = require("playwright-core");

async function main() {
  const [file, wantBytes, wantBlocks] = process.argv.slice(2);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "memkit-chromium-"));
  let ctx;
  try {
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run"],
    });
    const page = ctx.pages()[0] || (await ctx.newPage());
    const pageErrors = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    await page.goto("file:///usr/libexec/valgrind/dh_view.html");
    await page.setInputFiles("input[type=file]", path.resolve(file));
    // The viewer writes either the tree (with "Total:") or "Error..." into the main pane.
    await page.waitForFunction(() => /Total:|Error/.test(document.body.innerText), null, { timeout: 30000 });
    const text = await page.evaluate(() => document.body.innerText);
    const errLine = text.split("\n").find((l) => /Error/.test(l));
    if (errLine || pageErrors.length) {
      console.log(`viewer shows an error: ${errLine || pageErrors.join("; ")}`);
      return 1;
    }
    const total = text.split("\n").find((l) => /^\s*Total:/.test(l));
    const m = total && total.match(/Total:\s+([\d,]+) bytes .* in ([\d,]+) blocks/);
    if (!m) {
      console.log(`no Total: line understood in: ${total}`);
      return 1;
    }
    const bytes = m[1].replace(/,/g, ""), blocks = m[2].replace(/,/g, "");
    if (bytes !== wantBytes || blocks !== wantBlocks || /NaN/.test(total)) {
      console.log(`viewer: ${total.trim()}; expected ${wantBytes} bytes in ${wantBlocks} blocks`);
      return 1;
    }
    console.log(`viewer: ${total.trim()}`);
    return 0;
  } finally {
    if (ctx) await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().then((rc) => process.exit(rc), (e) => { console.log(`viewer test failed: ${e}`); process.exit(1); });
