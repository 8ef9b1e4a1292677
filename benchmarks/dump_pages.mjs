// Renders saved pages in Debian's chromium as a reader's copy-paste of the whole page:
// JavaScript on, every network request blocked except the page itself, and
// document.body.innerText once the page has loaded (a page hidden whole by an anti-flicker
// snippet is shown first, as its timer would for a reader). One browser serves the batch.
//
// Usage: node benchmarks/dump_pages.mjs JOBS.json
// JOBS.json is [{"html": path, "url": address to serve it at, "out": path for the text}].
// A page that fails or hangs gets no output file; its error is printed on stderr.
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
// playwright-core is installed for the browser tests (scripts/install-browser).
const require = createRequire(join(here, "..", "tests", "browser", "package.json"));
const { chromium } = require("playwright-core");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const PAGE_TIMEOUT = 20000;
const WORKERS = Number(process.env.DUMP_WORKERS || 2);

const jobs = JSON.parse(readFileSync(process.argv[2], "utf8"));
const profile = mkdtempSync(join(tmpdir(), "narrator-dumps-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  viewport: { width: 1280, height: 900 },
  javaScriptEnabled: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

function withTimeout(promise, ms, what) {
  let timer;
  const guard = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

async function dump(job) {
  const html = readFileSync(job.html);
  const page = await context.newPage();
  try {
    // Only the page itself is served; scripts, styles, images and frames are blocked, so a
    // dump never touches the network and is the same on every machine.
    await page.route("**/*", (route) => {
      const request = route.request();
      if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
        if (request.url() === job.url.split("#")[0]) {
          return route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: html });
        }
        // A script sending the page elsewhere (a consent wall, an ad-block check): a 204
        // answer cancels the navigation and leaves the page in place, as a reader's browser
        // with the network would show it until the redirect loads. Aborting it instead would
        // leave chromium's "This site can't be reached" page to be dumped.
        return route.fulfill({ status: 204, body: "" });
      }
      return route.abort();
    });
    try {
      await page.goto(job.url, { waitUntil: "load", timeout: PAGE_TIMEOUT });
    } catch (error) {
      // A page whose load event never fires (a script keeps it busy) still has its text
      // once the document is parsed; anything else is a real failure.
      if (!String(error.message || error).includes("Timeout")) throw error;
      // A cancelled redirect can leave the load state pending for good: the document the
      // reader sees is there all the same.
      await page.waitForLoadState("domcontentloaded", { timeout: 2000 }).catch(() => {});
    }
    const text = await withTimeout(
      page.evaluate(() => {
        if (!document.body) return "";
        // An anti-flicker snippet (ChartBeat, A/B testing tools) hides the whole page until
        // its script loads or a timer fires; with the network blocked, or the timer's
        // script broken in a saved copy, it stays hidden for good. A reader saw the page.
        for (const el of [document.documentElement, document.body]) {
          el.style.setProperty("visibility", "visible", "important");
        }
        return document.body.innerText;
      }),
      PAGE_TIMEOUT,
      "innerText",
    );
    mkdirSync(dirname(job.out), { recursive: true });
    writeFileSync(job.out + ".part", text);
    renameSync(job.out + ".part", job.out);
  } finally {
    await page.close().catch(() => {});
  }
}

let next = 0;
let failed = 0;
async function worker() {
  while (next < jobs.length) {
    const job = jobs[next++];
    try {
      await dump(job);
    } catch (error) {
      failed += 1;
      console.error(`dump failed: ${job.html}: ${String(error.message || error).split("\n")[0]}`);
    }
  }
}
try {
  await Promise.all(Array.from({ length: WORKERS }, worker));
} finally {
  await context.close();
}
console.error(`${jobs.length - failed} of ${jobs.length} pages dumped`);
