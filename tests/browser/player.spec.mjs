// Drives the web player on the demo page in Debian's chromium, as a reader would.
// Run by tests/test_player_browser.py: NARRATOR_URL=http://127.0.0.1:PORT node player.spec.mjs
// Prints one line per check and exits non-zero when any check fails.
import { axe, check, finish, launch, recorder, squash, state } from "./lib.mjs";

const BASE = process.env.NARRATOR_URL;
const SCREENSHOT = process.env.NARRATOR_SCREENSHOT || "/tmp/narrator-player.png";
if (!BASE) throw new Error("set NARRATOR_URL to the service under test");
const GUARD = { timeout: 120000 }; // hang guards only

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

async function tabTo(page, data, maxTabs = 30) {
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press("Tab");
    const focused = await focusedControl(page);
    if (focused && focused.data === data) return focused;
  }
  return null;
}

async function axeBoth(page, label) {
  for (const colorScheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme });
    await axe(page, `${label}, ${colorScheme} mode`);
  }
  await page.emulateMedia({ colorScheme: "light" });
}

const browser = await launch();
const { context } = browser;
await context.addInitScript(recorder);

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
  await axeBoth(page, "before playback");
  step = "playback";

  // Dark mode: the player's own colours follow the reader's setting.
  const colours = async () =>
    page.evaluate(() => {
      const box = document.querySelector("narrator-player").shadowRoot.querySelector(".narrator-player");
      return getComputedStyle(box).backgroundColor;
    });
  const light = await colours();
  await page.emulateMedia({ colorScheme: "dark" });
  const dark = await colours();
  await page.emulateMedia({ colorScheme: "light" });
  check("dark mode from prefers-color-scheme", light === "rgb(255, 255, 255)" && dark === "rgb(17, 24, 39)", `${light} / ${dark}`);

  // The help lists every shortcut.
  const help = await page.evaluate(() => document.querySelector("narrator-player").shadowRoot.querySelector("[data-help]").textContent);
  const keys = ["K", "J", "L", ",", ".", "-", "+", "W", "?"];
  check("help lists the keyboard shortcuts", keys.every((k) => help.includes(k)) && /Keyboard shortcuts/.test(help), squash(help).slice(0, 120));
  check("no resume offer on a first visit", await page.evaluate(() => document.querySelector("narrator-player").shadowRoot.querySelector("[data-resume]").hidden));

  // No autoplay: nothing is requested or played until the reader asks.
  await page.waitForTimeout(300);
  check("no autoplay: nothing sent before Listen", posts.length === 0, posts.join(","));
  check("no autoplay: audio paused", await page.evaluate(() => document.querySelector("narrator-player").audio.paused));

  // Keyboard: Tab reaches Listen, with a visible focus ring; Enter starts.
  const listen = await tabTo(page, "play");
  check("Tab reaches the Listen button", listen !== null && listen.tag === "button", JSON.stringify(listen));
  check("focus is visible on Listen", listen && /solid 3px/.test(listen.outline), listen && listen.outline);
  check("Listen button has a name", listen && listen.name === "Listen", listen && listen.name);
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => window.__narrator.events.some((e) => e.type === "narrator-playing"), null, GUARD);
  let s = await page.evaluate(state);
  check("playback starts from the keyboard; status says Playing", !s.paused && s.status === "Playing", s.status);
  const statuses = await page.evaluate(() => window.__narrator.statuses.map((x) => x.text));
  check("status said 'Preparing audio…' before 'Playing'", statuses[0] === "Preparing audio…" && statuses.indexOf("Playing") > 0, JSON.stringify(statuses));

  // The Media Session: what the lock screen shows, and its buttons.
  const session = await page.evaluate(() => {
    const m = navigator.mediaSession.metadata;
    return {
      title: m && m.title,
      artist: m && m.artist,
      artwork: m && m.artwork.map((a) => a.src),
      actions: Object.keys(window.__narrator.actions || {}).sort(),
    };
  });
  check("Media Session title is the headline", session.title === "Hearing the Page", JSON.stringify(session));
  check("Media Session names the site", session.artist === "The narrator sample desk", session.artist);
  check("Media Session has artwork", session.artwork.length === 1 && session.artwork[0].endsWith("/static/icon.svg"), JSON.stringify(session.artwork));
  const wanted = ["nexttrack", "pause", "play", "previoustrack", "seekbackward", "seekforward", "seekto"];
  check("Media Session handles play/pause/seek/previous/next", wanted.every((a) => session.actions.includes(a)), session.actions.join(","));

  // Everything is rendered for this short page soon; then every cue maps onto the page.
  await page.waitForFunction(() => document.querySelector("narrator-player").complete, null, GUARD);
  s = await page.evaluate(state);
  check("every sentence is found in the page", s.cues > 3 && s.mapped === s.cues, `${s.mapped}/${s.cues}`);

  // Lock-screen buttons do what they say. The sentence playing is read from the audio's own
  // clock in the same turn as the button press: the highlight follows the clock only at the
  // next timeupdate, and on a loaded machine a sentence may end between two page calls.
  const before = await page.evaluate(() => {
    const p = document.querySelector("narrator-player");
    const now = p.audio.currentTime;
    const playing = p.cues.reduce((found, cue, i) => (cue.start <= now + 0.001 ? i : found), -1);
    window.__narrator.actions.nexttrack();
    return playing;
  });
  const wantedNext = Math.max(0, before) + 1;
  await page
    .waitForFunction((want) => document.querySelector("narrator-player").current === want, wantedNext, GUARD)
    .catch(() => {});
  s = await page.evaluate(state);
  check("Media Session 'next track' goes to the next sentence", s.current === wantedNext, `${before} -> ${s.current}`);
  await page.evaluate(() => window.__narrator.actions.pause());
  await page.waitForTimeout(200);
  check("Media Session 'pause' pauses", (await page.evaluate(state)).paused);
  await page.evaluate(() => window.__narrator.actions.play());
  await page.waitForFunction(() => !document.querySelector("narrator-player").audio.paused, null, GUARD);
  check("Media Session 'play' plays", true);

  // Next sentence from the keyboard (Tab to it, Enter): the highlight is that cue's sentence.
  const next = await tabTo(page, "next");
  check("Tab reaches Next sentence", next !== null && next.name === "Next sentence", JSON.stringify(next));
  for (let i = 0; i < 2; i++) await page.keyboard.press("Enter");
  await page.waitForTimeout(400);
  s = await page.evaluate(state);
  check(
    "after Next: highlighted text is the current cue's sentence",
    s.cue !== null && squash(s.highlighted) === squash(s.cue),
    `${JSON.stringify(s.highlighted)} vs ${JSON.stringify(s.cue)}`,
  );
  check("after Next: playing from that cue", s.current >= 3 && !s.paused, `cue ${s.current}, t=${s.time}`);
  // A shortcut: "," is the previous sentence.
  await page.keyboard.press(",");
  await page.waitForTimeout(300);
  const back = await page.evaluate(state);
  check("shortcut ',' goes back a sentence", back.current === s.current - 1 || back.current === s.current, `${s.current} -> ${back.current}`);

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

  // Forward 15 seconds.
  const t0 = (await page.evaluate(state)).time;
  const fwd = await tabTo(page, "forward");
  check("Tab reaches Forward 15 seconds", fwd !== null && fwd.name === "Forward 15 seconds", JSON.stringify(fwd));
  await page.keyboard.press("Enter");
  await page.waitForTimeout(150);
  const t1 = (await page.evaluate(state)).time;
  check("Forward 15 seconds moves 15 s on", t1 - t0 > 14 && t1 - t0 < 16.5, `${t0.toFixed(2)} -> ${t1.toFixed(2)}`);
  await page.keyboard.press("j"); // and back again
  await page.waitForTimeout(150);
  const t2 = (await page.evaluate(state)).time;
  check("shortcut 'j' goes back 15 s", t1 - t2 > 13.5 && t1 - t2 < 16, `${t1.toFixed(2)} -> ${t2.toFixed(2)}`);

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

  // Speed: the select offers 0.5x to 3x; at 3x the audio runs about three times as fast.
  const speeds = await page.evaluate(() =>
    [...document.querySelector("narrator-player").shadowRoot.querySelector("[data-speed]").options].map((o) => Number(o.value)),
  );
  check("speeds from 0.5x to 3x", speeds[0] === 0.5 && speeds[speeds.length - 1] === 3, speeds.join(","));
  await page.evaluate(() => document.querySelector("narrator-player").playCue(0));
  await page.locator("narrator-player [data-speed]").selectOption("3");
  await page.waitForTimeout(200);
  const pace = await page.evaluate(async () => {
    const p = document.querySelector("narrator-player");
    const a = [p.audio.currentTime, performance.now()];
    await new Promise((r) => setTimeout(r, 1500));
    const b = [p.audio.currentTime, performance.now()];
    return { rate: p.audio.playbackRate, ratio: (b[0] - a[0]) / ((b[1] - a[1]) / 1000), paused: p.audio.paused };
  });
  check("speed 3x plays about three times as fast", pace.rate === 3 && pace.ratio > 2.2 && pace.ratio < 3.5, JSON.stringify(pace));

  step = "screenshot";
  await page.screenshot({ path: SCREENSHOT, fullPage: true, caret: "initial" });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, "-dark.png"), fullPage: true, caret: "initial" });
  await page.emulateMedia({ colorScheme: "light" });
  step = "axe";
  await axeBoth(page, "while playing");
  step = "after";

  // Pause from the keyboard (Tab to the play button, Space), somewhere past 5 s.
  await page.evaluate(() => document.querySelector("narrator-player").seekTo(9.4));
  await page.waitForTimeout(100);
  await tabTo(page, "play");
  await page.keyboard.press("Space");
  await page.waitForTimeout(200);
  s = await page.evaluate(state);
  check("Space on Pause pauses", s.paused);
  const stopped = Math.floor(s.time);
  check("no CSP violations", csp.length === 0, csp.join(" | "));

  // Reload: the player offers to resume there, and does.
  await page.reload({ waitUntil: "networkidle" });
  const offer = await page.evaluate(() => {
    const b = document.querySelector("narrator-player").shadowRoot.querySelector("[data-resume]");
    return { hidden: b.hidden, text: b.textContent, label: b.getAttribute("aria-label") };
  });
  const mmss = `${Math.floor(stopped / 60)}:${String(stopped % 60).padStart(2, "0")}`;
  check("reload: 'Resume from m:ss' is offered", !offer.hidden && offer.text === `Resume from ${mmss}`, JSON.stringify(offer));
  await page.locator("narrator-player [data-resume]").click();
  await page.waitForFunction(() => window.__narrator.events.some((e) => e.type === "narrator-playing"), null, GUARD);
  s = await page.evaluate(state);
  check("reload: resumes where the reader stopped", !s.paused && s.time >= stopped - 0.5 && s.time < stopped + 3, `${s.time}`);
  check("reload: the chosen speed is kept", s.rate === 3, String(s.rate));
  await page.evaluate(() => document.querySelector("narrator-player").audio.pause());

  // Reduced motion: scrolling to follow, and the word highlight, start switched off.
  const calm = await context.newPage();
  await calm.emulateMedia({ reducedMotion: "reduce" });
  await calm.evaluate(() => localStorage.clear()).catch(() => {});
  await calm.goto(`${BASE}/`);
  await calm.evaluate(() => localStorage.clear());
  await calm.reload();
  const calmState = await calm.evaluate(() => {
    const root = document.querySelector("narrator-player").shadowRoot;
    return { follow: root.querySelector("[data-follow]").checked, words: root.querySelector("[data-words]").checked };
  });
  check("prefers-reduced-motion: auto-scroll and word highlight off by default", !calmState.follow && !calmState.words, JSON.stringify(calmState));
} catch (error) {
  check("the run finished", false, String(error && error.stack ? error.stack : error));
} finally {
  await finish(browser);
}
