// What the browser specs share: launching Debian's chromium, one line per check, axe-core.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

export const failures = [];

export function check(name, ok, detail = "") {
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? `: ${detail}` : ""}`);
  if (!ok) failures.push(name);
  return ok;
}

export const squash = (s) => (s || "").replace(/\s+/g, " ").trim();

/** A persistent chromium profile (localStorage survives reloads), removed by ``finish``. */
export async function launch({ viewport = { width: 900, height: 900 } } = {}) {
  const profile = mkdtempSync(join(tmpdir(), "narrator-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
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
  return { context, profile };
}

export async function finish({ context, profile }) {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  console.log(failures.length ? `${failures.length} checks failed` : "all checks passed");
  process.exit(failures.length ? 1 : 0);
}

export async function axe(page, label) {
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

/**
 * Installed before any page script: records, in page time, when the player's events
 * happen and every text its status line shows, so a spec can check their order.
 */
export function recorder() {
  window.__narrator = { events: [], statuses: [] };
  const note = (type, detail) => window.__narrator.events.push({ type, t: performance.now(), detail });
  for (const type of ["narrator-playing", "narrator-highlight", "narrator-timings", "narrator-ready"]) {
    document.addEventListener(type, (e) => note(type, e.detail));
  }
  const watch = () => {
    const p = document.querySelector("narrator-player");
    if (!p || !p.shadowRoot) return setTimeout(watch, 20);
    const status = p.shadowRoot.querySelector("[data-status]");
    new MutationObserver(() =>
      window.__narrator.statuses.push({ t: performance.now(), text: status.textContent }),
    ).observe(status, { childList: true, characterData: true, subtree: true });
    // Media Session handlers, as the lock screen would call them.
    return undefined;
  };
  document.addEventListener("DOMContentLoaded", watch);
  if (navigator.mediaSession) {
    window.__narrator.actions = {};
    const original = navigator.mediaSession.setActionHandler.bind(navigator.mediaSession);
    navigator.mediaSession.setActionHandler = (action, handler) => {
      window.__narrator.actions[action] = handler;
      return original(action, handler);
    };
  }
}

/** The player's state, from inside the page. */
export function state() {
  const p = document.querySelector("narrator-player");
  const text = (name) => {
    const h = CSS.highlights.get(name);
    return h ? [...h].map((r) => r.toString()).join(" ") : null;
  };
  const cue = p.current >= 0 ? p.cues[p.current] : null;
  return {
    current: p.current,
    cue: cue ? cue.text : null,
    highlighted: text("narrator-sentence"),
    word: text("narrator-word"),
    time: p.audio.currentTime,
    paused: p.audio.paused,
    rate: p.audio.playbackRate,
    cues: p.cues.length,
    mapped: p.ranges.filter(Boolean).length,
    complete: p.complete,
    source: p.source,
    status: p.shadowRoot.querySelector("[data-status]").textContent,
  };
}

export async function press(page, data) {
  await page.evaluate((d) => document.querySelector("narrator-player").shadowRoot.querySelector(`[data-${d}]`).click(), data);
}
