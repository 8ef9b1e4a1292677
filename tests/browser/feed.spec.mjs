// Drives the podcast site `narrator feed build` writes, in Debian's chromium, as a listener
// would: the index and a read-along page, in light and dark mode, on a desktop and a phone.
// Run by tests/test_feed_browser.py:
//   FEED_URL=http://127.0.0.1:PORT/ FEED_EPISODE=episodes/NAME.html [FEED_PLAYBACK=1] node feed.spec.mjs
// FEED_PLAYBACK=1 also plays the episode in the player's static mode and checks the
// read-along (highlight, click a sentence, Media Session, axe while playing).
// The server sends `Content-Security-Policy: default-src 'self'`, so any inline script or
// style the pages needed would show up as a CSP report. Prints one line per check and exits
// non-zero when any check fails.
import { axe, check, finish, launch, squash } from "./lib.mjs";

const SITE = process.env.FEED_URL;
const EPISODE = process.env.FEED_EPISODE;
const SCREENSHOTS = process.env.FEED_SCREENSHOTS || "/tmp/narrator-feed";
const GUARD = { timeout: 60000 }; // a hang guard, not a speed limit
const PLAYBACK = process.env.FEED_PLAYBACK === "1";
if (!SITE || !EPISODE) throw new Error("set FEED_URL and FEED_EPISODE to the site under test");

/** Relative luminance of the body's background (0 black .. 1 white). */
const background = () => {
  const [r, g, b] = getComputedStyle(document.body)
    .backgroundColor.match(/\d+(\.\d+)?/g)
    .slice(0, 3)
    .map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};

/** Whether the page scrolls sideways: on a phone, nothing may stick out. */
const overflow = () => document.documentElement.scrollWidth - document.documentElement.clientWidth;

const player = () => {
  const p = document.querySelector("narrator-player");
  const h = CSS.highlights.get("narrator-sentence");
  return {
    current: p.current,
    cue: p.current >= 0 && p.cues[p.current] ? p.cues[p.current].text : null,
    highlighted: h ? [...h].map((r) => r.toString()).join(" ") : "",
    time: p.audio.currentTime,
    paused: p.audio.paused,
    cues: p.cues.length,
    mapped: (p.ranges || []).filter(Boolean).length,
  };
};

async function press(page, control) {
  await page.evaluate((c) => document.querySelector("narrator-player").shadowRoot.querySelector(`[data-${c}]`).click(), control);
}

const browser = await launch({ viewport: { width: 1000, height: 900 } });
const { context } = browser;

let step = "loading"; // what the console's CSP reports are attributed to

try {
  const page = context.pages()[0] || (await context.newPage());
  const csp = [];
  const missing = [];
  page.on("pageerror", (e) => check("no script errors", false, String(e)));
  page.on("console", (m) => {
    // axe-core itself tries an inline style (blocked, harmless); the pages must need none.
    if (step !== "axe" && /Content Security Policy/i.test(m.text())) csp.push(`${step}: ${m.text()}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) missing.push(`${r.status()} ${r.url()}`);
  });

  // --- the index ------------------------------------------------------------------------
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(SITE, { waitUntil: "networkidle" });
    const lum = await page.evaluate(background);
    check(`index (${scheme}): follows prefers-color-scheme`, scheme === "light" ? lum > 0.8 : lum < 0.05, lum.toFixed(3));
    step = "axe";
    await axe(page, `index, ${scheme}`);
    step = `index ${scheme}`;
    await page.screenshot({ path: `${SCREENSHOTS}-index-${scheme}.png`, fullPage: true });
  }
  const index = await page.evaluate(() => ({
    episodes: document.querySelectorAll(".episode").length,
    players: [...document.querySelectorAll(".episode audio")].map((a) => a.getAttribute("aria-label")),
    styled: getComputedStyle(document.querySelector(".episode")).borderTopStyle,
    readAlong: [...document.querySelectorAll("a")].filter((a) => a.textContent.startsWith("Read along")).map((a) => a.getAttribute("href")),
  }));
  check("index lists every episode with a named player", index.episodes >= 2 && index.players.every((n) => /^Listen: /.test(n)), JSON.stringify(index.players));
  check("index is styled (site.css applied)", index.styled === "solid", index.styled);
  check("index links each episode's read-along page", index.readAlong.length === index.episodes && index.readAlong.includes(EPISODE), JSON.stringify(index.readAlong));

  // A phone: nothing scrolls sideways, the text is not shrunk.
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(SITE, { waitUntil: "networkidle" });
  let wide = await page.evaluate(overflow);
  check("index on a 360 px phone: no sideways scrolling", wide <= 0, `${wide} px too wide`);
  const font = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector(".episode p:not(.meta)")).fontSize));
  check("index on a phone: body text at least 16 px", font >= 16, `${font}px`);
  await page.screenshot({ path: `${SCREENSHOTS}-index-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1000, height: 900 });

  // --- a read-along page ---------------------------------------------------------------
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto(SITE, { waitUntil: "networkidle" });
  await page.click(`a[href="${EPISODE}"] >> nth=0`);
  await page.waitForLoadState("networkidle");
  check("Read along opens the episode page", page.url() === new URL(EPISODE, SITE).href, page.url());
  check("the episode page has the player", await page.evaluate(() => !!customElements.get("narrator-player")));
  const page0 = await page.evaluate(() => ({
    h1: document.querySelector("#transcript h1").textContent,
    paragraphs: document.querySelectorAll("#transcript p").length,
    audio: document.querySelector("narrator-player").getAttribute("audio"),
  }));
  check("the transcript is on the page", page0.h1.length > 0 && page0.paragraphs >= 2, JSON.stringify(page0));
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    const lum = await page.evaluate(background);
    check(`episode page (${scheme}): follows prefers-color-scheme`, scheme === "light" ? lum > 0.8 : lum < 0.05, lum.toFixed(3));
    step = "axe";
    await axe(page, `episode page, ${scheme}, before playback`);
    step = `episode ${scheme}`;
  }

  // Static mode: the MP3 and the timings JSON beside the page, no service.
  await page.emulateMedia({ colorScheme: "light" });
  step = "playback";
  if (PLAYBACK) await playback(page, page0);

  await page.setViewportSize({ width: 360, height: 740 });
  await page.reload({ waitUntil: "networkidle" });
  const narrow = await page.evaluate(overflow);
  check("episode page on a 360 px phone: no sideways scrolling", narrow <= 0, `${narrow} px too wide`);
  await page.screenshot({ path: `${SCREENSHOTS}-episode-phone.png`, fullPage: true });

  check("no CSP violations under default-src 'self'", csp.length === 0, csp.join(" | "));
  check("every file the pages ask for is in the site", missing.length === 0, missing.join(", "));
} catch (error) {
  check("the run finished", false, String(error && error.stack ? error.stack : error));
} finally {
  await finish(browser);
}

async function playback(page, page0) {
  await press(page, "play");
  await page.waitForFunction(() => !document.querySelector("narrator-player").audio.paused, null, GUARD);
  await page.waitForFunction(() => document.querySelector("narrator-player").cues.length > 0, null, GUARD);
  await page.waitForFunction(() => document.querySelector("narrator-player").current >= 1, null, GUARD);
  let s = await page.evaluate(player);
  check("static mode plays the episode", !s.paused && s.time > 0, JSON.stringify(s));
  check("every sentence is found in the transcript", s.cues >= 4 && s.mapped === s.cues, `${s.mapped}/${s.cues}`);
  check(
    "the sentence being read is highlighted in the transcript",
    s.cue !== null && squash(s.highlighted) === squash(s.cue),
    `${JSON.stringify(s.highlighted)} vs ${JSON.stringify(s.cue)}`,
  );
  const session = await page.evaluate(() => {
    const m = navigator.mediaSession && navigator.mediaSession.metadata;
    return m ? { title: m.title, artist: m.artist, album: m.album, artwork: m.artwork.length } : null;
  });
  check("Media Session names the episode", session !== null && session.title === page0.h1, JSON.stringify(session));

  // Click a sentence of the transcript: it plays from there.
  const target = await page.evaluate(() => {
    const p = document.querySelector("narrator-player");
    const index = p.cues.length - 1;
    const rect = p.ranges[index].getClientRects()[0];
    return { index, x: rect.left + 5, y: rect.top + rect.height / 2 };
  });
  await page.mouse.click(target.x, target.y);
  await page.waitForTimeout(400);
  s = await page.evaluate(player);
  check("click a sentence: it is played and highlighted", s.current === target.index && squash(s.highlighted) === squash(s.cue), `${s.current} vs ${target.index}`);
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    step = "axe";
    await axe(page, `episode page, ${scheme}, while playing`);
    step = "playback";
    await page.screenshot({ path: `${SCREENSHOTS}-episode-${scheme}.png`, fullPage: true });
  }
  await press(page, "play");
}
