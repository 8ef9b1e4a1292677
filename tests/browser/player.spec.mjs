// Drives the web player on the demo page in Debian's chromium, as a reader would.
// Run by tests/test_player_browser.py: NARRATOR_URL=http://127.0.0.1:PORT node player.spec.mjs
// Prints one line per check and exits non-zero when any check fails.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const BASE = process.env.NARRATOR_URL;
const SCREENSHOT = process.env.NARRATOR_SCREENSHOT || "/tmp/narrator-player.png";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
if (!BASE) throw new Error("set NARRATOR_URL to the service under test");

const failures = [];
function check(name, ok, detail = "") {
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? `: ${detail}` : ""}`);
  if (!ok) failures.push(name);
}

const squash = (s) => s.replace(/\s+/g, " ").trim();

// Helpers evaluated in the page.
const PLAYER = () => document.querySelector("narrator-player");
const state = () => {
  const p = document.querySelector("narrator-player");
  const h = CSS.highlights.get("narrator-sentence");
  const ranges = h ? [...h] : [];
  return {
    current: p.current,
    cue: p.current >= 0 ? p.cues[p.current].text : null,
    highlighted: ranges.map((r) => r.toString()).join(" "),
    time: p.audio.currentTime,
    paused: p.audio.paused,
    rate: p.audio.playbackRate,
    cues: p.cues.length,
    mapped: p.ranges.filter(Boolean).length,
  };
};

async function focusedControl(page) {
  return page.evaluate(() => {
    const host = document.activeElement;
    const inner = host && host.shadowRoot ? host.shadowRoot.activeElement : null;
    if (!inner) return null;
    const style = getComputedStyle(inner);
    return {
      tag: inner.tagName.toLowerCase(),
      name: inner.getAttribute("aria-label") || inner.textContent.trim(),
      data: Object.keys(inner.dataset)[0] || null,
      outline: `${style.outlineStyle} ${style.outlineWidth}`,
    };
  });
}

async function tabTo(page, data, maxTabs = 20) {
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press("Tab");
    const focused = await focusedControl(page);
    if (focused && focused.data === data) return focused;
  }
  return null;
}

async function axe(page, label) {
  await page.evaluate(AXE_SOURCE); // DevTools evaluation: not subject to the page's CSP
  const result = await page.evaluate(() =>
    window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
    }),
  );
  const summary = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
  check(`axe ${label}: no WCAG A/AA violations`, result.violations.length === 0, summary.join("; "));
  check(`axe ${label}: rules ran`, result.passes.length > 10, `${result.passes.length} passed`);
}

const profile = mkdtempSync(join(tmpdir(), "narrator-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  viewport: { width: 900, height: 900 },
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
  ],
});

try {
  const page = context.pages()[0] || (await context.newPage());
  const posts = [];
  page.on("request", (r) => {
    if (r.method() === "POST") posts.push(r.url());
  });
  page.on("pageerror", (e) => check("no script errors", false, String(e)));
  const csp = [];
  let step = "loading";
  page.on("console", (m) => {
    // axe-core itself tries an inline style (blocked, harmless); the player must need none.
    if (step !== "axe" && /Content Security Policy/i.test(m.text())) csp.push(`${step}: ${m.text()}`);
  });

  await page.goto(`${BASE}/`, { waitUntil: "networkidle" });
  check("demo page has the player", await page.evaluate(() => !!customElements.get("narrator-player")));
  step = "axe";
  await axe(page, "before playback");
  step = "playback";

  // No autoplay: nothing is requested or played until the reader asks.
  await page.waitForTimeout(300);
  check("no autoplay: nothing sent before Listen", posts.length === 0, posts.join(","));
  check("no autoplay: audio paused", await page.evaluate(() => document.querySelector("narrator-player").audio.paused));

  // Keyboard: Tab reaches Listen, with a visible focus ring; Enter starts.
  const listen = await tabTo(page, "play");
  check("Tab reaches the Listen button", listen !== null && listen.tag === "button", JSON.stringify(listen));
  check("focus is visible on Listen", listen && /solid 3px/.test(listen.outline), listen && listen.outline);
  check("Listen button has a name", listen && listen.name === "Listen", listen && listen.name);
  const started = Date.now();
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => !document.querySelector("narrator-player").audio.paused, null, {
    timeout: 20000,
  });
  await page.waitForFunction(() => document.querySelector("narrator-player").audio.currentTime > 0, null, {
    timeout: 20000,
  });
  const firstSound = Date.now() - started;
  check("playback starts from the keyboard", true, `audio advancing ${firstSound} ms after Enter`);
  await page.waitForFunction(() => document.querySelector("narrator-player").audio.currentTime > 0.2, null, {
    timeout: 20000,
  });
  const status = await page.evaluate(() =>
    document.querySelector("narrator-player").shadowRoot.querySelector("[role=status]").textContent,
  );
  check("status announced politely", /Playing|Preparing/.test(status), status);

  // The timings arrive once rendering is done; every cue maps onto the page's text.
  await page.waitForFunction(() => document.querySelector("narrator-player").cues.length > 0, null, {
    timeout: 60000,
  });
  let s = await page.evaluate(state);
  check("every sentence is found in the page", s.cues > 3 && s.mapped === s.cues, `${s.mapped}/${s.cues}`);

  // Next sentence from the keyboard (Tab to it, Enter): the highlight is that cue's sentence.
  const next = await tabTo(page, "next");
  check("Tab reaches Next sentence", next !== null && next.name === "Next sentence", JSON.stringify(next));
  for (let i = 0; i < 3; i++) await page.keyboard.press("Enter");
  await page.waitForTimeout(400);
  s = await page.evaluate(state);
  check(
    "after Next: highlighted text is the current cue's sentence",
    s.cue !== null && squash(s.highlighted) === squash(s.cue),
    `${JSON.stringify(s.highlighted)} vs ${JSON.stringify(s.cue)}`,
  );
  check("after Next: playing from that cue", s.current >= 2 && !s.paused, `cue ${s.current}, t=${s.time}`);

  // Seek with the slider's keyboard (Home: start): highlight follows the position.
  const seek = await tabTo(page, "seek");
  check("Tab reaches the position slider", seek !== null && seek.tag === "input", JSON.stringify(seek));
  const slider = await page.evaluate(() => {
    const el = document.querySelector("narrator-player").shadowRoot.querySelector("[data-seek]");
    return { type: el.type, label: el.getAttribute("aria-label"), text: el.getAttribute("aria-valuetext") };
  });
  check(
    "slider says where it is in words",
    slider.type === "range" && /^\d+ (second|minute)s?( \d+ seconds?)? of \d+ (second|minute)s?/.test(slider.text),
    JSON.stringify(slider),
  );
  await page.keyboard.press("Home");
  await page.waitForTimeout(300);
  s = await page.evaluate(state);
  check("Home seeks to the start: the headline is highlighted", s.current === 0 && squash(s.highlighted) === squash(s.cue), JSON.stringify(s));

  // Click a sentence in the article: it plays from there and is the one highlighted.
  const target = await page.evaluate(() => {
    const p = document.querySelector("narrator-player");
    const index = p.cues.findIndex((c) => c.text.startsWith("Click any sentence"));
    const rect = p.ranges[index].getClientRects()[0];
    return { index, x: rect.left + 10, y: rect.top + rect.height / 2, text: p.cues[index].text };
  });
  await page.mouse.click(target.x, target.y);
  await page.waitForTimeout(400);
  s = await page.evaluate(state);
  check(
    "click a sentence: it is played and highlighted",
    s.current === target.index && squash(s.highlighted) === squash(target.text) && !s.paused,
    `${s.current} vs ${target.index}: ${JSON.stringify(s.highlighted)}`,
  );

  // Speed from the keyboard: focus the select and choose 1.5x.
  const speed = await tabTo(page, "speed");
  check("Tab reaches Speed", speed !== null && speed.tag === "select", JSON.stringify(speed));
  const speedName = await page.evaluate(
    () => document.querySelector("narrator-player").shadowRoot.querySelector("[data-speed]").labels[0].textContent,
  );
  check("Speed is labelled", /^Speed/.test(speedName.trim()), speedName.trim());
  await page.locator("narrator-player [data-speed]").selectOption("1.5");
  s = await page.evaluate(state);
  check("speed changes to 1.5x", s.rate === 1.5, String(s.rate));

  // The highlight's look: background and underline, not colour alone.
  const look = await page.evaluate(() => {
    for (const sheet of document.styleSheets) {
      let rules;
      try {
        rules = sheet.cssRules;
      } catch (_) {
        continue;
      }
      for (const rule of rules) {
        if (rule.selectorText === "::highlight(narrator-sentence)") return rule.style.cssText;
      }
    }
    return "";
  });
  check("highlight has background and underline", /background-color/.test(look) && /underline/.test(look), look);

  step = "screenshot";
  await page.screenshot({ path: SCREENSHOT, fullPage: true, caret: "initial" });
  step = "axe";
  await axe(page, "while playing");
  step = "after";

  // Pause from the keyboard (Shift+Tab back to the play button, Space).
  await tabTo(page, "play");
  await page.keyboard.press("Space");
  await page.waitForTimeout(200);
  s = await page.evaluate(state);
  check("Space on Pause pauses", s.paused);
  check("no CSP violations", csp.length === 0, csp.join(" | "));

  // Reduced motion: scrolling to follow the reading starts switched off.
  const calm = await context.newPage();
  await calm.emulateMedia({ reducedMotion: "reduce" });
  await calm.goto(`${BASE}/`);
  const follow = await calm.evaluate(
    () => document.querySelector("narrator-player").shadowRoot.querySelector("[data-follow]").checked,
  );
  check("prefers-reduced-motion: auto-scroll off by default", follow === false);
} catch (error) {
  check("the run finished", false, String(error && error.stack ? error.stack : error));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

console.log(failures.length ? `${failures.length} checks failed` : "all checks passed");
process.exit(failures.length ? 1 : 0);
