// For benchmarks/first_audio.py: opens each page in PAGES (a JSON list of URLs), presses
// Listen, and prints one JSON line per page with the milliseconds from the press to the
// media element's first "playing" event (first sound) and to the first sentence highlight.
import { rmSync } from "node:fs";

import { launch, recorder } from "./lib.mjs";

const pages = JSON.parse(process.env.PAGES || "[]");
const browser = await launch();
await browser.context.addInitScript(recorder);
try {
  for (const url of pages) {
    const page = await browser.context.newPage();
    await page.goto(url, { waitUntil: "networkidle" });
    const pressed = await page.evaluate(() => {
      const t = performance.now();
      document.querySelector("narrator-player").shadowRoot.querySelector("[data-play]").click();
      return t;
    });
    const guard = { timeout: 120000 };
    await page.waitForFunction(() => window.__narrator.events.some((e) => e.type === "narrator-highlight"), null, guard);
    const at = await page.evaluate(() => {
      const first = (type) => window.__narrator.events.find((e) => e.type === type);
      return { sound: first("narrator-playing").t, highlight: first("narrator-highlight").t };
    });
    // Let the narration finish before the next page, so runs do not share the worker.
    await page.waitForFunction(() => document.querySelector("narrator-player").complete, null, guard);
    console.log(JSON.stringify({ url, sound_ms: at.sound - pressed, highlight_ms: at.highlight - pressed }));
    await page.close();
  }
} catch (error) {
  console.error(String(error && error.stack ? error.stack : error));
  process.exitCode = 1;
} finally {
  await browser.context.close();
  rmSync(browser.profile, { recursive: true, force: true });
}
