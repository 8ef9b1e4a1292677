// The player on pages of other origins, in Debian's chromium.
// Run by tests/test_player_browser.py with NARRATOR_URL (the service), PAGES_URL (an origin the
// service allows, serving embed.html and static.html), STRANGER_URL (the same pages from an
// origin it does not allow) and MEDIA_URL (a static host with the pre-rendered episode).
// Prints one line per check and exits non-zero when any check fails.
import { axe, check, finish, launch, press, recorder, squash, state } from "./lib.mjs";

const { NARRATOR_URL, PAGES_URL, STRANGER_URL, MEDIA_URL } = process.env;
if (!NARRATOR_URL || !PAGES_URL || !STRANGER_URL || !MEDIA_URL) throw new Error("set the four URLs");
const GUARD = { timeout: 120000 }; // hang guards only

const browser = await launch();
const { context } = browser;
await context.addInitScript(recorder);

async function events(page, type) {
  return page.evaluate((t) => window.__narrator.events.filter((e) => e.type === t), type);
}

try {
  // --- 1. An uncached article, from a publisher's page on an allowed origin -------------
  const page = await context.newPage();
  page.on("pageerror", (e) => check("no script errors (embed)", false, String(e)));
  await page.goto(`${PAGES_URL}/embed.html`, { waitUntil: "networkidle" });
  // When the first sentence lights up, ask the service how far it has got.
  await page.evaluate(() => {
    document.addEventListener("narrator-highlight", async (e) => {
      if (window.__firstHighlight) return;
      const p = document.querySelector("narrator-player");
      window.__firstHighlight = { index: e.detail.index, complete: p.complete, cues: p.cues.length };
      const answer = await fetch(new URL(p.narration.links.self, p.service));
      window.__firstHighlight.server = (await answer.json()).status;
    });
  });
  await press(page, "play");
  await page.waitForFunction(() => window.__firstHighlight && window.__firstHighlight.server, null, GUARD);
  const first = await page.evaluate(() => window.__firstHighlight);
  const [playing] = await events(page, "narrator-playing");
  const [lit] = await events(page, "narrator-highlight");
  const statuses = await page.evaluate(() => window.__narrator.statuses);
  check("uncached: the first sentence is the first highlighted", first.index === 0, JSON.stringify(first));
  check("uncached: there was a first sound (playing event)", !!playing);
  const gap = playing && lit ? lit.t - playing.t : NaN;
  check("uncached: first sentence highlighted within 1 s of the first sound", gap >= -50 && gap <= 1000, `${gap.toFixed(0)} ms`);
  check(
    "uncached: highlighted before rendering finished (server status)",
    first.server === "rendering" && first.complete === false,
    JSON.stringify(first),
  );
  check("uncached: status said 'Preparing audio…' first", statuses.length > 0 && statuses[0].text === "Preparing audio…", JSON.stringify(statuses.slice(0, 3)));
  const playingSaid = statuses.find((s) => /^Playing/.test(s.text));
  check(
    "uncached: never 'Playing' before the first sound",
    !!playingSaid && !!playing && playingSaid.t >= playing.t - 1,
    JSON.stringify(statuses.slice(0, 4)),
  );
  let s = await page.evaluate(state);
  check("uncached: highlighted text is the headline", squash(s.highlighted) === squash(s.cue), `${s.highlighted} vs ${s.cue}`);

  // Previous/next and seeking over what is rendered so far, while rendering goes on.
  await page.waitForFunction(() => document.querySelector("narrator-player").cues.length >= 4, null, GUARD);
  s = await page.evaluate(state);
  const whileRendering = !s.complete;
  await page.evaluate(() => document.querySelector("narrator-player").playCue(3));
  await page.waitForFunction(() => document.querySelector("narrator-player").current === 3, null, { timeout: 10000 }).catch(() => {});
  s = await page.evaluate(state);
  const cue3 = await page.evaluate(() => document.querySelector("narrator-player").cues[3]);
  check(
    `uncached: jump to sentence 4 ${whileRendering ? "while still rendering" : "(rendering had finished)"}`,
    s.current === 3 && s.time >= cue3.start - 0.05 && s.time < cue3.end && squash(s.highlighted) === squash(cue3.text),
    JSON.stringify({ current: s.current, time: s.time, source: s.source }),
  );
  check("uncached: audio streams into a MediaSource while rendering", s.source === "mse", s.source);
  await page.evaluate(() => document.querySelector("narrator-player").step(-1));
  await page.waitForTimeout(300);
  s = await page.evaluate(state);
  check("uncached: previous sentence", s.current === 2 || s.current === 3, String(s.current));
  await page.waitForFunction(() => document.querySelector("narrator-player").complete, null, GUARD);
  s = await page.evaluate(state);
  check("uncached: every sentence found in the page", s.cues > 20 && s.mapped === s.cues, `${s.mapped}/${s.cues}`);
  await page.close();

  // --- 2. A page from an origin the service does not allow -------------------------------
  const stranger = await context.newPage();
  await stranger.goto(`${STRANGER_URL}/embed.html`, { waitUntil: "networkidle" });
  await press(stranger, "play");
  await stranger.waitForFunction(
    () => /narration service/.test(document.querySelector("narrator-player").shadowRoot.querySelector("[data-status]").textContent),
    null,
    { timeout: 30000 },
  ).catch(() => {});
  s = await stranger.evaluate(state);
  check(
    "CORS: the reader is told this site must be allowed by the narration service",
    s.status.includes(`This site's address (${STRANGER_URL}) must be allowed by the narration service`) &&
      s.status.includes(`--allow-origin ${STRANGER_URL}`),
    s.status,
  );
  await stranger.close();

  // --- 2b. A narration that fails on the service (its time limit): said, and Listen again ---
  const failing = await context.newPage();
  await failing.goto(`${PAGES_URL}/fails.html`, { waitUntil: "networkidle" });
  await press(failing, "play");
  await failing.waitForFunction(
    () => /could not be made/.test(document.querySelector("narrator-player").shadowRoot.querySelector("[data-status]").textContent),
    null,
    GUARD,
  );
  s = await failing.evaluate(state);
  const label = await failing.evaluate(() => document.querySelector("narrator-player").shadowRoot.querySelector("[data-play-label]").textContent);
  check(
    "failed narration: the reader is told why, and can press Listen again",
    /^The audio could not be made\. The article took longer than 0\.5 seconds/.test(s.status) && label === "Listen" && s.paused && s.highlighted === null,
    `${s.status} [${label}]`,
  );
  await failing.close();

  // --- 3. Static mode: a page here, the MP3 and timings on another host, no service --------
  const stat = await context.newPage();
  const requested = [];
  stat.on("request", (r) => requested.push(r.url()));
  stat.on("pageerror", (e) => check("no script errors (static)", false, String(e)));
  await stat.goto(`${PAGES_URL}/static.html`, { waitUntil: "networkidle" });
  await press(stat, "play");
  await stat.waitForFunction(() => document.querySelector("narrator-player").cues.length > 0, null, GUARD);
  await stat.waitForFunction(() => window.__narrator.events.some((e) => e.type === "narrator-playing"), null, GUARD);
  s = await stat.evaluate(state);
  check("static: plays the MP3 file", s.source === "file" && !s.paused, JSON.stringify(s));
  check("static: every sentence found in the page", s.cues >= 5 && s.mapped === s.cues, `${s.mapped}/${s.cues}`);
  const title = await stat.evaluate(() => navigator.mediaSession.metadata && navigator.mediaSession.metadata.title);
  check("static: Media Session title from the article", title === "The Lighthouse Keeper", title);

  // The word highlight follows the audio: sampled while it plays, it is the word whose
  // timing holds the current time (or its neighbour, between a sample and the next frame).
  await stat.waitForFunction(() => document.querySelector("narrator-player").current >= 1, null, GUARD);
  const samples = [];
  for (let i = 0; i < 24; i++) {
    samples.push(
      await stat.evaluate(() => {
        const p = document.querySelector("narrator-player");
        const h = CSS.highlights.get("narrator-word");
        const shown = h ? [...h].map((r) => r.toString()).join("") : null;
        const t = p.audio.currentTime;
        const cue = p.cues[p.current];
        const words = cue ? cue.words : [];
        let at = -1;
        words.forEach((w, k) => {
          if (w.start <= t) at = k;
        });
        const near = [at - 1, at, at + 1].filter((k) => k >= 0 && k < words.length).map((k) => words[k].text);
        // Inside a word (not in the gap before the next one, where no word is shown).
        const inWord = words.some((w) => w.start <= t && t < w.end);
        return { t, shown, inWord, expected: at >= 0 ? words[at].text : null, near, sentence: CSS.highlights.get("narrator-sentence") ? [...CSS.highlights.get("narrator-sentence")][0].toString() : "" };
      }),
    );
    await stat.waitForTimeout(180);
  }
  await stat.screenshot({ path: process.env.NARRATOR_SCREENSHOT || "/tmp/narrator-static.png", caret: "initial" });
  // Judged where the audio is inside a word: real voices leave gaps between words (and
  // sentences) where showing no word is right, so those samples say nothing either way.
  const judged = samples.filter((x) => x.inWord);
  const exact = judged.filter((x) => x.shown !== null && x.shown === x.expected).length;
  const near = judged.filter((x) => x.shown !== null && x.near.includes(x.shown)).length;
  const distinct = new Set(samples.map((x) => x.shown).filter(Boolean)).size;
  const inside = samples.filter((x) => x.shown && x.sentence.includes(x.shown)).length;
  check(
    "static: word highlight follows the audio",
    judged.length >= 8 && near === judged.length && exact >= judged.length * 0.6 && distinct >= 4,
    `${exact} exact, ${near} within one word of ${judged.length} samples inside a word ` +
      `(${samples.length} taken); ${distinct} different words`,
  );
  check("static: the word is inside the sentence highlight", inside === samples.filter((x) => x.shown).length);
  const looks = await stat.evaluate(() => {
    const rule = (name) => {
      for (const sheet of document.styleSheets) {
        for (const r of sheet.cssRules) if (r.selectorText === `::highlight(${name})`) return r.style;
      }
      return null;
    };
    const a = rule("narrator-sentence");
    const b = rule("narrator-word");
    return { sentence: a && a.textDecorationLine, word: b && b.textDecorationLine };
  });
  check(
    "static: word and sentence styles differ in shape, not colour alone",
    looks.sentence === "underline" && /overline/.test(looks.word || ""),
    JSON.stringify(looks),
  );
  await press(stat, "words");
  await stat.waitForTimeout(300);
  s = await stat.evaluate(state);
  check("static: word highlight can be turned off", s.word === null && !!s.highlighted, JSON.stringify({ word: s.word }));
  await press(stat, "next");
  await stat.waitForTimeout(400);
  const before = s.current;
  s = await stat.evaluate(state);
  check("static: next sentence seeks in the file", s.current === before + 1 && squash(s.highlighted) === squash(s.cue), `${before} -> ${s.current}`);
  const foreign = requested.filter((u) => !u.startsWith(PAGES_URL) && !u.startsWith(MEDIA_URL));
  check("static: no request to any service", foreign.length === 0, foreign.join(", "));
  check("static: audio and timings came from the other origin", requested.some((u) => u.startsWith(`${MEDIA_URL}/episode.timings.json`)));
  await axe(stat, "static page while playing");
  await stat.close();

  // --- 4. Static mode with bad timings: the audio still plays, and the status says why ---
  for (const [name, reason] of [
    ["missing", /The server answered 404/],
    ["wrong", /not narrator's timings JSON/],
  ]) {
    const bad = await context.newPage();
    bad.on("pageerror", (e) => check(`no script errors (static-${name})`, false, String(e)));
    await bad.goto(`${PAGES_URL}/static-${name}.html`, { waitUntil: "networkidle" });
    await press(bad, "play");
    await bad.waitForFunction(() => window.__narrator.events.some((e) => e.type === "narrator-playing"), null, GUARD);
    await bad.waitForTimeout(300);
    s = await bad.evaluate(state);
    check(
      `static, ${name} timings: plays, and says it plays without highlighting`,
      !s.paused && /^Playing without highlighting: the timings could not be read/.test(s.status) && reason.test(s.status),
      s.status,
    );
    await bad.close();
  }
} catch (error) {
  check("the run finished", false, String(error && error.stack ? error.stack : error));
} finally {
  await finish(browser);
}
