/*
 * <narrator-player>: a Listen button for an article page, with the sentence being read (and
 * the word, when the voice gives word timings) highlighted in the page itself.
 *
 * Service mode: the article is sent to a narrator service, which renders it.
 *
 *   <script src="https://narrator.example/narrator-player.js" defer></script>
 *   <narrator-player></narrator-player>
 *
 * Static mode: a pre-rendered MP3 and the timings JSON that `narrator narrate --timings`
 * writes, from any static host; no service is involved.
 *
 *   <narrator-player audio="episode.mp3" timings="episode.timings.json" article="#story">
 *
 * Attributes:
 *   service   the narrator service's URL (default: where this script was loaded from)
 *   audio     static mode: the MP3's URL (relative to the page)
 *   timings   static mode: the timings JSON's URL (relative to the page)
 *   article   a CSS selector for the article (default: the page's <article>, else <main>)
 *   voice     a voice the service offers (default: the service's)
 *   headline, site, artwork   what the lock screen shows (default: the article's <h1>, the
 *             page's og:site_name or host name, its og:image or icon)
 *   theme     "light" or "dark" to override prefers-color-scheme
 *
 * How it works: in service mode the first press of Listen sends the article's HTML to the
 * service. The audio is streamed into a MediaSource as it is rendered, and the timings JSON is
 * polled as it grows, so highlighting, click-a-sentence, previous/next and seeking work over
 * everything rendered so far. Each sentence (and word) is mapped back onto the page's own text
 * nodes as a Range and shown with the CSS Custom Highlight API, so the publisher's markup is
 * never changed. Text from the service only ever goes into the page through textContent.
 *
 * Accessibility: native <button>, <input type=range>, <select> and checkbox controls with
 * names; nothing plays until the reader asks; status changes go to a polite live region,
 * sentences never do (they would talk over the audio); auto-scroll and the moving word
 * highlight follow prefers-reduced-motion and can be turned off; shortcuts are listed.
 */
(() => {
  "use strict";

  if (window.customElements === undefined || customElements.get("narrator-player")) {
    return;
  }

  const SCRIPT_URL = document.currentScript ? document.currentScript.src : location.href;
  const CSS_URL = new URL("narrator-player.css", SCRIPT_URL).href;
  const SENTENCE = "narrator-sentence";
  const WORD = "narrator-word";
  const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3];
  const SKIP_S = 15;
  const POLL_MS = 500;
  const PREVIOUS_RESTARTS_AFTER_S = 1.5;
  const RESUME_MIN_S = 5;
  const SAVE_EVERY_MS = 2000;
  const STORE = "narrator-player:";
  const SKIP_IN = "script, style, noscript, template, narrator-player, [hidden], [aria-hidden='true']";
  const INTERACTIVE = "a, button, input, select, textarea, label, summary, [contenteditable], [role='button']";

  const ICONS = {
    play: "M8 5v14l11-7z",
    pause: "M6 5h4v14H6zM14 5h4v14h-4z",
    previous: "M6 6h2v12H6zm3.5 6 8.5 6V6z",
    next: "M16 6h2v12h-2zM6 18l8.5-6L6 6z",
    back: "M12 5V1L7 6l5 5V7a6 6 0 1 1-6 6H4a8 8 0 1 0 8-8z",
    forward: "M12 5V1l5 5-5 5V7a6 6 0 1 0 6 6h2a8 8 0 1 1-8-8z",
  };

  const SHORTCUTS = [
    ["K", "Play or pause"],
    ["J", `Back ${SKIP_S} seconds`],
    ["L", `Forward ${SKIP_S} seconds`],
    [",", "Previous sentence"],
    [".", "Next sentence"],
    ["-", "Slower"],
    ["+", "Faster"],
    ["W", "Word highlight on or off"],
    ["?", "Show or hide these shortcuts"],
  ];

  const button = (data, label, icon) => `
        <button type="button" class="narrator-player-button" data-${data} aria-label="${label}" title="${label}" disabled>
          <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="${icon}"></path></svg>
        </button>`;

  // The controls. A constant: no data from the service or the page is ever put in here.
  const TEMPLATE = `
    <div class="narrator-player" role="group" aria-label="Listen to this article">
      <div class="narrator-player-row">
        <button type="button" class="narrator-player-button narrator-player-primary" data-play>
          <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="${ICONS.play}"></path></svg>
          <span data-play-label>Listen</span>
        </button>
        ${button("previous", "Previous sentence", ICONS.previous)}
        ${button("back", `Back ${SKIP_S} seconds`, ICONS.back)}
        ${button("forward", `Forward ${SKIP_S} seconds`, ICONS.forward)}
        ${button("next", "Next sentence", ICONS.next)}
        <input type="range" class="narrator-player-seek" data-seek aria-label="Position"
               min="0" max="0" step="1" value="0" aria-valuetext="0 seconds of unknown length" disabled>
        <span class="narrator-player-time" data-time>0:00 / --:--</span>
      </div>
      <div class="narrator-player-row">
        <button type="button" class="narrator-player-button narrator-player-resume" data-resume hidden></button>
        <label>Speed
          <select data-speed>
            ${SPEEDS.map((s) => `<option value="${s}"${s === 1 ? " selected" : ""}>${s}×</option>`).join("")}
          </select>
        </label>
        <label><input type="checkbox" data-words> Highlight each word</label>
        <label><input type="checkbox" data-follow> Scroll to follow the reading</label>
      </div>
      <details class="narrator-player-help" data-help>
        <summary>Keyboard shortcuts</summary>
        <p>While a control of the player has focus:</p>
        <ul>
          ${SHORTCUTS.map(([key, what]) => `<li><kbd>${key}</kbd> ${what}</li>`).join("")}
          <li><kbd>Space</kbd> or <kbd>Enter</kbd> presses the focused button; on the position
            slider, arrow keys move by a second, <kbd>Page Up</kbd>/<kbd>Page Down</kbd> by more,
            <kbd>Home</kbd>/<kbd>End</kbd> to the start or end.</li>
        </ul>
      </details>
      <p class="narrator-player-status" role="status" aria-live="polite" data-status></p>
    </div>`;

  // --- small helpers --------------------------------------------------------------------

  function clock(seconds) {
    if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
    const s = Math.floor(seconds);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const rest = String(s % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
  }

  /** "1 minute 5 seconds": what a screen reader says for a position. */
  function spoken(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = s % 60;
    const part = (n, unit) => `${n} ${unit}${n === 1 ? "" : "s"}`;
    const parts = [];
    if (h) parts.push(part(h, "hour"));
    if (m) parts.push(part(m, "minute"));
    if (sec || parts.length === 0) parts.push(part(sec, "second"));
    return parts.join(" ");
  }

  function stored(key) {
    try {
      return JSON.parse(localStorage.getItem(STORE + key) || "null");
    } catch (_) {
      return null; // storage blocked (private mode, sandbox) or damaged: start fresh
    }
  }

  function store(key, value) {
    try {
      if (value === null) localStorage.removeItem(STORE + key);
      else localStorage.setItem(STORE + key, JSON.stringify(value));
    } catch (_) {
      /* storage full or blocked: resuming is a convenience, never an error */
    }
  }

  /**
   * narrator's timings JSON (version 1) as cues with times in seconds. Anything malformed is
   * refused with a message rather than half-used: a wrong highlight is worse than none.
   */
  function parseTimings(doc) {
    if (!doc || doc.version !== 1 || !Array.isArray(doc.sentences)) {
      throw new Error("This is not narrator's timings JSON (version 1).");
    }
    const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : NaN);
    const cues = doc.sentences.map((s) => {
      const start = num(s.start_ms) / 1000;
      const end = num(s.end_ms) / 1000;
      if (typeof s.text !== "string" || !(end > start)) throw new Error("A sentence in the timings has no text or no time span.");
      const text = s.text;
      const words = (Array.isArray(s.words) ? s.words : [])
        .map((w) => ({
          text: String(w.text),
          start: num(w.start_ms) / 1000,
          end: num(w.end_ms) / 1000,
          from: num(w.char_start),
          to: num(w.char_end),
        }))
        .filter((w) => w.end > w.start && w.from >= 0 && w.to > w.from && w.to <= text.length);
      return { key: String(s.key), text, start, end, words };
    });
    return {
      cues,
      complete: doc.complete !== false,
      duration: Number.isFinite(num(doc.duration_ms)) ? doc.duration_ms / 1000 : NaN,
    };
  }

  // Characters folded before matching, so typographic quotes, dashes and spacing in the page
  // match what the extractor kept. Whitespace is dropped altogether: block boundaries and
  // inline markup change it freely, and a sentence is long enough to match without it.
  const FOLD = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "",
  };

  function fold(ch) {
    if (/\s/.test(ch)) return "";
    const mapped = FOLD[ch];
    return (mapped === undefined ? ch : mapped).toLowerCase();
  }

  function foldString(text) {
    let out = "";
    for (const ch of text) out += fold(ch);
    return out;
  }

  /** The article's visible text, folded, with where each character lives in the DOM. */
  function indexText(root) {
    const nodes = [];
    const offsets = [];
    let folded = "";
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode(node) {
        const parent = node.parentElement;
        return parent && parent.closest(SKIP_IN) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      },
    });
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const data = node.data;
      for (let i = 0; i < data.length; i++) {
        const f = fold(data[i]);
        for (let k = 0; k < f.length; k++) {
          nodes.push(node);
          offsets.push(i);
        }
        folded += f;
      }
    }
    return { folded, nodes, offsets };
  }

  function rangeFor(index, start, end) {
    const range = document.createRange();
    range.setStart(index.nodes[start], index.offsets[start]);
    range.setEnd(index.nodes[end - 1], index.offsets[end - 1] + 1);
    return range;
  }

  /**
   * Where a cue's sentence is in the indexed text: {at, end, exact} in folded characters, or
   * null. ``cursor.from`` moves on so sentences are found in reading order.
   */
  function locate(index, cue, cursor) {
    const needle = foldString(cue.text);
    if (!needle) return null;
    let at = index.folded.indexOf(needle, cursor.from);
    if (at < 0) at = index.folded.indexOf(needle);
    if (at >= 0) {
      cursor.from = at + needle.length;
      return { at, end: at + needle.length, exact: true };
    }
    // The extractor may have dropped something inside the sentence (a footnote mark):
    // anchor on its first and last words instead.
    const edge = Math.min(24, Math.floor(needle.length / 2));
    if (edge < 8) return null;
    const head = index.folded.indexOf(needle.slice(0, edge), cursor.from);
    if (head < 0) return null;
    const tail = index.folded.indexOf(needle.slice(-edge), head + edge);
    if (tail < 0 || tail + edge - head > needle.length * 1.5) return null;
    cursor.from = tail + edge;
    return { at: head, end: tail + edge, exact: false };
  }

  /** One Range (or null) per timed word of a sentence found exactly in the page. */
  function wordRanges(index, cue, place) {
    if (!place || !place.exact) return cue.words.map(() => null);
    return cue.words.map((word) => {
      const start = place.at + foldString(cue.text.slice(0, word.from)).length;
      const length = foldString(cue.text.slice(word.from, word.to)).length;
      if (!length || start + length > place.end) return null;
      return rangeFor(index, start, start + length);
    });
  }

  function caretAt(x, y) {
    if (document.caretPositionFromPoint) {
      const pos = document.caretPositionFromPoint(x, y);
      return pos ? { node: pos.offsetNode, offset: pos.offset } : null;
    }
    if (document.caretRangeFromPoint) {
      const range = document.caretRangeFromPoint(x, y);
      return range ? { node: range.startContainer, offset: range.startOffset } : null;
    }
    return null;
  }

  /** The index of the last item whose ``start`` is at or before ``seconds``, else -1. */
  function lastStarted(items, seconds) {
    let lo = 0;
    let hi = items.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (items[mid].start <= seconds + 0.001) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  let pageStyled = false;
  function stylePage() {
    // The highlight is drawn in the page's text, so its rule must live in the page.
    if (pageStyled || document.querySelector(`link[href="${CSS_URL}"]`)) return;
    pageStyled = true;
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = CSS_URL;
    document.head.append(link);
  }

  const highlightsWork = () => !!(window.CSS && CSS.highlights && window.Highlight);

  function meta(selector, attribute) {
    const el = document.querySelector(selector);
    const value = el && el.getAttribute(attribute);
    return value ? value.trim() : "";
  }

  // --- the element ----------------------------------------------------------------------

  class NarratorPlayer extends HTMLElement {
    constructor() {
      super();
      this.cues = [];
      this.places = [];
      this.ranges = [];
      this.words = [];
      this.current = -1;
      this.currentWord = -1;
      this.narration = null;
      this.complete = false;
      this.knownDuration = NaN;
      this.source = null; // "file" (seekable), "mse" (grows as rendered) or "stream" (no seeking)
      this.state = "idle";
      this.sounding = false;
      this.degraded = "";
      this.audio = new Audio();
      this.audio.preload = "none";
      this._index = null;
      this._cursor = { from: 0 };
      this._poll = 0;
      this._frame = 0;
      this._dragging = false;
      this._pendingSeek = null;
      this._savedAt = 0;
      this._generation = 0;
      const root = this.attachShadow({ mode: "open" });
      const css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = CSS_URL;
      const holder = document.createElement("div");
      holder.innerHTML = TEMPLATE; // a constant (see TEMPLATE)
      root.append(css, ...holder.childNodes);
      const $ = (name) => root.querySelector(`[data-${name}]`);
      this.ui = {
        play: $("play"),
        playLabel: $("play-label"),
        playIcon: $("play").querySelector("path"),
        previous: $("previous"),
        next: $("next"),
        back: $("back"),
        forward: $("forward"),
        seek: $("seek"),
        time: $("time"),
        resume: $("resume"),
        speed: $("speed"),
        words: $("words"),
        follow: $("follow"),
        help: $("help"),
        status: $("status"),
      };
      this.reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
      this.ui.follow.checked = !this.reducedMotion.matches;
      // A highlight jumping word by word is motion; readers who ask for less start without it.
      const wordsChoice = stored("words");
      this.ui.words.checked = wordsChoice === null ? !this.reducedMotion.matches : wordsChoice === true;
      const speed = stored("speed");
      if (SPEEDS.includes(speed)) this.ui.speed.value = String(speed);
      this._onArticleClick = (event) => this.articleClicked(event);
      this._onPageHide = () => this.savePosition(true);
    }

    get service() {
      return new URL(this.getAttribute("service") || new URL("/", SCRIPT_URL).href, location.href);
    }

    get isStatic() {
      return this.hasAttribute("audio");
    }

    get article() {
      const selector = this.getAttribute("article");
      let named = null;
      try {
        named = selector ? document.querySelector(selector) : null;
      } catch (_) {
        named = null; // not a valid selector: fall back as if it matched nothing
      }
      return named || document.querySelector("article") || document.querySelector("main");
    }

    /** What this player's resume position is stored under: the recording, or the page. */
    get resumeKey() {
      if (this.isStatic) return `at:${new URL(this.getAttribute("audio"), location.href).href}`;
      return `at:${location.origin}${location.pathname}#${this.getAttribute("article") || ""}`;
    }

    connectedCallback() {
      stylePage();
      const { play, previous, next, back, forward, seek, speed, words, resume } = this.ui;
      play.addEventListener("click", () => this.toggle());
      previous.addEventListener("click", () => this.step(-1));
      next.addEventListener("click", () => this.step(1));
      back.addEventListener("click", () => this.skip(-SKIP_S));
      forward.addEventListener("click", () => this.skip(SKIP_S));
      resume.addEventListener("click", () => this.resume());
      seek.addEventListener("input", () => this.seekTo(Number(seek.value)));
      seek.addEventListener("pointerdown", () => (this._dragging = true));
      seek.addEventListener("pointerup", () => (this._dragging = false));
      seek.addEventListener("change", () => (this._dragging = false));
      speed.addEventListener("change", () => this.setSpeed(Number(speed.value)));
      words.addEventListener("change", () => {
        store("words", words.checked);
        this.currentWord = -2; // redraw
        this.tick();
      });
      this.shadowRoot.addEventListener("keydown", (event) => this.shortcut(event));
      const audio = this.audio;
      audio.addEventListener("play", () => this.setPlayButton(true));
      audio.addEventListener("playing", () => this.playing());
      audio.addEventListener("pause", () => this.paused());
      audio.addEventListener("waiting", () => {
        // Before the first sound the status still says "Preparing audio…".
        if (this.sounding && !audio.paused) {
          this.say(this.complete ? "Loading…" : "Waiting for the next sentence to be ready…");
        }
      });
      audio.addEventListener("ended", () => this.ended());
      audio.addEventListener("timeupdate", () => {
        this.tick();
        this.savePosition(false);
      });
      audio.addEventListener("durationchange", () => this.tick());
      audio.addEventListener("loadedmetadata", () => this.applyPendingSeek());
      audio.addEventListener("error", () => {
        if (audio.src && this.source !== "mse") this.fail("The audio could not be played.");
      });
      const article = this.article;
      if (article) article.addEventListener("click", this._onArticleClick);
      window.addEventListener("pagehide", this._onPageHide);
      this.offerResume();
    }

    disconnectedCallback() {
      this.savePosition(true);
      this.audio.pause();
      clearTimeout(this._poll);
      cancelAnimationFrame(this._frame);
      const article = this.article;
      if (article) article.removeEventListener("click", this._onArticleClick);
      window.removeEventListener("pagehide", this._onPageHide);
      this.highlight(-1);
    }

    /** Polite status for screen readers (never a sentence: that would talk over the audio). */
    say(message) {
      if (this.ui.status.textContent !== message) this.ui.status.textContent = message;
    }

    fail(message) {
      this.state = this.narration || this.isStatic ? "ready" : "idle";
      this.ui.play.removeAttribute("aria-busy");
      this.say(message);
      this.setPlayButton(false);
    }

    /** The narration failed on the service: forget it, so Listen asks for it anew. */
    abandon(message) {
      clearTimeout(this._poll);
      this._generation += 1; // answers still on their way belong to the abandoned narration
      this.audio.pause();
      this.audio.removeAttribute("src");
      this.audio.load();
      Object.assign(this, {
        cues: [], places: [], ranges: [], words: [], current: -1, currentWord: -1,
        narration: null, complete: false, knownDuration: NaN, source: null, sounding: false,
        _index: null, _cursor: { from: 0 }, _pendingSeek: null,
      });
      if (highlightsWork()) {
        CSS.highlights.delete(SENTENCE);
        CSS.highlights.delete(WORD);
      }
      this.ui.previous.disabled = true;
      this.ui.next.disabled = true;
      this.state = "idle";
      this.fail(message);
    }

    setPlayButton(isPlaying) {
      const started = this.state !== "idle";
      this.ui.playLabel.textContent = isPlaying ? "Pause" : started ? "Play" : "Listen";
      this.ui.playIcon.setAttribute("d", isPlaying ? ICONS.pause : ICONS.play);
    }

    // --- resume ---

    offerResume() {
      const saved = stored(this.resumeKey);
      const at = saved && Number(saved.t);
      const { resume } = this.ui;
      if (Number.isFinite(at) && at >= RESUME_MIN_S) {
        resume.textContent = `Resume from ${clock(at)}`;
        resume.setAttribute("aria-label", `Resume from ${spoken(at)}`);
        resume.dataset.at = String(at);
        resume.disabled = false;
        resume.hidden = false;
      } else {
        resume.hidden = true;
      }
    }

    resume() {
      const at = Number(this.ui.resume.dataset.at);
      this.ui.resume.hidden = true;
      if (!Number.isFinite(at)) return;
      if (this.state === "idle") {
        this._pendingSeek = at;
        this.start();
      } else {
        this.seekTo(at).then(() => this.play());
      }
    }

    savePosition(now) {
      if (this.state === "idle" || !this.sounding) return;
      const t = this.audio.currentTime;
      if (!now && Date.now() - this._savedAt < SAVE_EVERY_MS) return;
      this._savedAt = Date.now();
      if (this.audio.ended) store(this.resumeKey, null);
      else if (t >= RESUME_MIN_S) store(this.resumeKey, { t: Math.floor(t), saved: Date.now() });
    }

    // --- talking to the service ---

    /** A message for a fetch that failed without an answer (TypeError), most often CORS. */
    async unreachable(url) {
      const target = new URL(url, location.href);
      if (target.origin !== location.origin) {
        let answers = false;
        try {
          // An opaque no-cors request still fails when the host is down, and succeeds when
          // only CORS refused us: that tells the two apart.
          await fetch(new URL("/v1/health", target), { mode: "no-cors", cache: "no-store" });
          answers = true;
        } catch (_) {
          answers = false;
        }
        if (answers && !this.isStatic) {
          return (
            `This site's address (${location.origin}) must be allowed by the narration service at ` +
            `${target.origin}. Its operator can allow it with narrator serve --allow-origin ` +
            `${location.origin}, or by adding it to cors_origins in server.toml.`
          );
        }
        if (answers) {
          return (
            `${target.origin} does not let this site (${location.origin}) read ${target.pathname}: ` +
            `it must send Access-Control-Allow-Origin for it.`
          );
        }
      }
      return `${target.origin} cannot be reached. Check the connection and try again.`;
    }

    async request(url, init) {
      let response;
      try {
        response = await fetch(url, init);
      } catch (error) {
        if (error && error.name === "AbortError") throw error;
        throw new Error(await this.unreachable(url));
      }
      if (!response.ok) {
        let message = `The server answered ${response.status}.`;
        try {
          const body = await response.json();
          if (body && typeof body.message === "string") message = body.message;
        } catch (_) {
          /* not JSON: keep the status line */
        }
        const error = new Error(message);
        error.status = response.status;
        throw error;
      }
      return response;
    }

    async start() {
      const article = this.article;
      if (!article && !this.isStatic) {
        this.say("There is no article on this page to read.");
        return;
      }
      this.state = "preparing";
      this.ui.play.setAttribute("aria-busy", "true");
      this.setPlayButton(false);
      this.say("Preparing audio…");
      if (this.isStatic) {
        await this.startStatic();
        return;
      }
      const body = { html: article.outerHTML };
      const voice = this.getAttribute("voice");
      if (voice) body.voice = voice;
      try {
        const response = await this.request(new URL("/v1/narrations", this.service), {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
        this.narration = await response.json();
      } catch (error) {
        this.fail(`Could not prepare the audio. ${error.message}`);
        return;
      }
      this.state = "ready";
      this.setMediaSession();
      const audioUrl = new URL(this.narration.links.audio, this.service).href;
      const timingsUrl = new URL(this.narration.links.timings_json, this.service).href;
      if (this.narration.status === "done") {
        this.useFile(audioUrl);
      } else if (window.MediaSource && MediaSource.isTypeSupported("audio/mpeg")) {
        this.useMediaSource(audioUrl);
      } else {
        this.source = "stream"; // no MediaSource: plays as it comes, seekable once done
        this.audio.src = audioUrl;
      }
      this.followTimings(timingsUrl);
      this.begin();
    }

    async startStatic() {
      const audioUrl = new URL(this.getAttribute("audio"), location.href).href;
      this.state = "ready";
      this.setMediaSession();
      this.useFile(audioUrl);
      this.begin();
      const timings = this.getAttribute("timings");
      if (!timings) return;
      try {
        const response = await this.request(new URL(timings, location.href).href);
        this.addTimings(parseTimings(await response.json()));
      } catch (error) {
        // Said with "Playing" (not instead of it), so the reader knows why nothing lights up.
        this.degraded = `without highlighting: the timings could not be read. ${error.message}`;
        if (this.sounding) this.say(`Playing ${this.degraded}`);
      }
    }

    useFile(url) {
      this.source = "file";
      this.audio.src = url;
      this.audio.preload = "auto";
    }

    /** Stream the MP3 into a MediaSource, so everything received so far can be sought in. */
    useMediaSource(url) {
      this.source = "mse";
      const media = new MediaSource();
      this.media = media;
      this.audio.src = URL.createObjectURL(media);
      media.addEventListener(
        "sourceopen",
        async () => {
          URL.revokeObjectURL(this.audio.src);
          let buffer;
          try {
            buffer = media.addSourceBuffer("audio/mpeg");
          } catch (_) {
            this.mseFailed(url);
            return;
          }
          const generation = this._generation;
          const appended = () => new Promise((resolve) => buffer.addEventListener("updateend", resolve, { once: true }));
          try {
            const response = await this.request(url);
            const reader = response.body.getReader();
            for (;;) {
              const { done, value } = await reader.read();
              if (generation !== this._generation) {
                reader.cancel();
                return;
              }
              if (done) break;
              buffer.appendBuffer(value);
              await appended();
              this.applyPendingSeek();
              this.tick();
            }
            if (media.readyState === "open") media.endOfStream();
          } catch (error) {
            // A very long narration can outgrow the browser's buffer: finish on the file.
            if (generation === this._generation) this.mseFailed(url, error);
          }
        },
        { once: true },
      );
    }

    mseFailed(url, error) {
      if (this.state === "idle") return;
      this.source = "stream";
      this._mseUrl = url;
      if (error && error.status) this.abandon(`The audio could not be made. ${error.message}`);
      else if (this.complete) this.switchToFile();
    }

    /** Swap a stream that cannot seek for the finished, seekable file at the same place. */
    switchToFile() {
      if (this.source === "file" || !this.narration) return;
      const at = this.audio.currentTime;
      const wasPlaying = !this.audio.paused;
      this.source = "file";
      this.audio.src = new URL(this.narration.links.audio, this.service).href;
      this.audio.playbackRate = Number(this.ui.speed.value);
      this._pendingSeek = this._pendingSeek === null ? at : this._pendingSeek;
      if (wasPlaying || this._pendingSeek !== null) this.play();
    }

    /** Poll the growing timings until they are complete. */
    followTimings(url) {
      clearTimeout(this._poll);
      const generation = this._generation;
      const poll = async () => {
        try {
          const response = await this.request(`${url}?from=${this.cues.length}`, { cache: "no-store" });
          const timings = parseTimings(await response.json());
          if (generation !== this._generation) return;
          this.addTimings(timings, true);
        } catch (error) {
          if (generation !== this._generation) return;
          if (error.status) {
            this.abandon(`The audio could not be made. ${error.message}`);
            return;
          }
          this.say(`Lost touch with the narration service. ${error.message}`);
        }
        // Faster until the first sentence is in: that is what the reader is waiting to see.
        if (!this.complete) this._poll = setTimeout(poll, this.cues.length ? POLL_MS : POLL_MS / 2);
      };
      poll();
    }

    /** Add sentences (all of them, or the ones after those we have) and map them onto the page. */
    addTimings(timings, appended = false) {
      const fresh = appended ? timings.cues : timings.cues.slice(this.cues.length);
      const article = this.article;
      if (fresh.length && article) {
        if (this._index === null) this._index = indexText(article);
        for (const cue of fresh) {
          const place = locate(this._index, cue, this._cursor);
          this.places.push(place);
          this.ranges.push(place ? rangeFor(this._index, place.at, place.end) : null);
          this.words.push(null); // mapped when first needed
        }
      } else if (fresh.length) {
        for (let i = 0; i < fresh.length; i++) {
          this.places.push(null);
          this.ranges.push(null);
          this.words.push(null);
        }
      }
      this.cues.push(...fresh);
      if (this.cues.length) {
        this.ui.previous.disabled = false;
        this.ui.next.disabled = false;
      }
      if (timings.complete) {
        this.complete = true;
        if (Number.isFinite(timings.duration)) this.knownDuration = timings.duration;
        if (this.narration) this.narration.status = "done";
        if (this.source === "stream" && this._mseUrl) this.switchToFile();
        this.dispatchEvent(new CustomEvent("narrator-ready", { bubbles: true, detail: { cues: this.cues.length } }));
      }
      this.applyPendingSeek();
      this.tick();
      if (fresh.length) {
        this.dispatchEvent(new CustomEvent("narrator-timings", { bubbles: true, detail: { cues: this.cues.length, complete: this.complete } }));
      }
    }

    // --- playback ---

    /** How far the audio can be sought now, in seconds. */
    get seekableEnd() {
      const audio = this.audio;
      if (this.source === "file") {
        if (Number.isFinite(this.knownDuration)) return this.knownDuration;
        return Number.isFinite(audio.duration) ? audio.duration : 0;
      }
      if (this.source === "mse") {
        const b = audio.buffered;
        return b.length ? b.end(b.length - 1) : 0;
      }
      return 0;
    }

    get duration() {
      if (Number.isFinite(this.knownDuration)) return this.knownDuration;
      if (this.narration && this.narration.duration_ms) return this.narration.duration_ms / 1000;
      return this.complete && Number.isFinite(this.audio.duration) ? this.audio.duration : NaN;
    }

    begin() {
      this.audio.playbackRate = Number(this.ui.speed.value);
      this.audio.defaultPlaybackRate = this.audio.playbackRate;
      // Resuming: play once the position can be reached, not from the top first.
      if (this._pendingSeek === null) this.play();
      else this.applyPendingSeek();
    }

    applyPendingSeek() {
      const at = this._pendingSeek;
      if (at === null || this.audio.readyState < HTMLMediaElement.HAVE_METADATA) return;
      if (this.seekableEnd < at + 0.25 && !this.complete) return;
      this._pendingSeek = null;
      this.audio.currentTime = Math.min(at, Math.max(0, this.seekableEnd - 0.25));
      this.play();
    }

    toggle() {
      if (this.state === "preparing") return;
      if (this.state === "idle") {
        this.ui.resume.hidden = true;
        this.start();
      } else if (this.audio.ended) {
        this.seekTo(0).then(() => this.play());
      } else if (this.audio.paused) {
        this.play();
      } else {
        this.audio.pause();
      }
    }

    play() {
      if (this.state === "idle") {
        this.start();
        return;
      }
      const attempt = this.audio.play();
      if (attempt && attempt.catch) {
        attempt.catch((error) => {
          if (error.name !== "AbortError") this.fail(`The audio could not start: ${error.message}`);
        });
      }
    }

    /** The media element's "playing" event: sound is really coming out now. */
    playing() {
      this.sounding = true;
      this.ui.play.removeAttribute("aria-busy");
      this.ui.back.disabled = false;
      this.ui.forward.disabled = false;
      this.setPlayButton(true);
      this.say(this.degraded ? `Playing ${this.degraded}` : "Playing");
      this.dispatchEvent(new CustomEvent("narrator-playing", { bubbles: true, detail: { at: performance.now() } }));
      cancelAnimationFrame(this._frame);
      const loop = () => {
        this.tick();
        this._frame = requestAnimationFrame(loop);
      };
      this._frame = requestAnimationFrame(loop);
    }

    paused() {
      cancelAnimationFrame(this._frame);
      this.setPlayButton(false);
      if (!this.audio.ended && this.state !== "preparing") this.say("Paused");
      this.savePosition(true);
      this.tick();
    }

    ended() {
      cancelAnimationFrame(this._frame);
      this.setPlayButton(false);
      this.say("Finished");
      store(this.resumeKey, null);
    }

    setSpeed(rate) {
      const speed = Math.min(SPEEDS[SPEEDS.length - 1], Math.max(SPEEDS[0], rate));
      this.ui.speed.value = String(speed);
      this.audio.playbackRate = speed;
      this.audio.defaultPlaybackRate = speed;
      store("speed", speed);
      this.say(`Speed ${speed} times`);
      this.updatePositionState();
    }

    /** Move to ``seconds`` (within what can be reached now). */
    async seekTo(seconds) {
      const audio = this.audio;
      if (this.source === "stream") {
        if (!this.complete) return;
        this._pendingSeek = seconds;
        this.switchToFile();
        return;
      }
      const end = this.seekableEnd;
      if (!(end > 0)) return;
      audio.currentTime = Math.max(0, Math.min(seconds, end - 0.05));
      this.tick();
    }

    skip(seconds) {
      this.seekTo((this.audio.currentTime || 0) + seconds);
    }

    /** Play from sentence ``index``. */
    playCue(index) {
      if (index < 0 || index >= this.cues.length) return;
      this.seekTo(this.cues[index].start).then(() => {
        this.highlight(index);
        if (this.audio.paused) this.play();
      });
    }

    step(direction) {
      if (!this.cues.length) return;
      const now = this.audio.currentTime;
      let index = lastStarted(this.cues, now);
      if (direction < 0 && index >= 0 && now - this.cues[index].start > PREVIOUS_RESTARTS_AFTER_S) {
        this.playCue(index); // like a CD player: first back to the start of this sentence
        return;
      }
      index = Math.min(this.cues.length - 1, Math.max(0, index + direction));
      this.playCue(index);
    }

    shortcut(event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.composedPath()[0];
      if (target && target.tagName === "SELECT") return; // letters pick options there
      const actions = {
        k: () => this.toggle(),
        j: () => this.skip(-SKIP_S),
        l: () => this.skip(SKIP_S),
        ",": () => this.step(-1),
        ".": () => this.step(1),
        "-": () => this.setSpeed(SPEEDS[Math.max(0, SPEEDS.indexOf(Number(this.ui.speed.value)) - 1)]),
        "+": () => this.setSpeed(SPEEDS[Math.min(SPEEDS.length - 1, SPEEDS.indexOf(Number(this.ui.speed.value)) + 1)]),
        w: () => this.ui.words.click(),
        "?": () => (this.ui.help.open = !this.ui.help.open),
      };
      actions["="] = actions["+"];
      const action = actions[event.key.length === 1 ? event.key.toLowerCase() : ""];
      if (!action) return;
      event.preventDefault();
      action();
    }

    articleClicked(event) {
      if (!this.cues.length || event.defaultPrevented || event.button !== 0) return;
      if (event.target.closest && event.target.closest(INTERACTIVE)) return;
      const selection = window.getSelection();
      if (selection && !selection.isCollapsed) return; // the reader is selecting text
      const caret = caretAt(event.clientX, event.clientY);
      if (!caret) return;
      const index = this.ranges.findIndex((range) => {
        try {
          return range !== null && range.comparePoint(caret.node, caret.offset) === 0;
        } catch (_) {
          return false;
        }
      });
      if (index >= 0) this.playCue(index);
    }

    // --- the lock screen ---

    setMediaSession() {
      if (!("mediaSession" in navigator) || !window.MediaMetadata) return;
      const article = this.article;
      const h1 = article && article.querySelector("h1");
      const title =
        this.getAttribute("headline") ||
        (this.narration && this.narration.title) ||
        (h1 && h1.textContent.trim()) ||
        document.title;
      const site = this.getAttribute("site") || meta('meta[property="og:site_name"]', "content") || location.hostname;
      const art =
        this.getAttribute("artwork") ||
        meta('meta[property="og:image"]', "content") ||
        meta('link[rel~="icon"]', "href");
      navigator.mediaSession.metadata = new MediaMetadata({
        title,
        artist: site,
        album: site,
        artwork: art ? [{ src: new URL(art, location.href).href }] : [],
      });
      const handlers = {
        play: () => this.play(),
        pause: () => this.audio.pause(),
        seekbackward: (d) => this.skip(-((d && d.seekOffset) || SKIP_S)),
        seekforward: (d) => this.skip((d && d.seekOffset) || SKIP_S),
        seekto: (d) => d && Number.isFinite(d.seekTime) && this.seekTo(d.seekTime),
        previoustrack: () => this.step(-1),
        nexttrack: () => this.step(1),
      };
      for (const [action, handler] of Object.entries(handlers)) {
        try {
          navigator.mediaSession.setActionHandler(action, handler);
        } catch (_) {
          /* an action this browser does not know */
        }
      }
    }

    updatePositionState() {
      if (!("mediaSession" in navigator) || !navigator.mediaSession.setPositionState) return;
      const total = this.duration;
      if (!Number.isFinite(total) || total <= 0) return;
      try {
        navigator.mediaSession.setPositionState({
          duration: total,
          playbackRate: this.audio.playbackRate,
          position: Math.min(total, this.audio.currentTime || 0),
        });
      } catch (_) {
        /* a position the browser refuses (a rounding past the end) */
      }
    }

    // --- what is shown ---

    /** Refresh the time, the slider and the highlight from the audio's position. */
    tick() {
      const now = this.audio.currentTime || 0;
      const total = this.duration;
      const reach = this.seekableEnd;
      const { seek, time } = this.ui;
      const known = Number.isFinite(total);
      // Called every frame while playing: write to the DOM only when a second changes, so
      // assistive technology is not handed a new value sixty times a second.
      const shown = known ? `${clock(now)} / ${clock(total)}` : `${clock(now)} / ${clock(reach)} so far`;
      if (time.textContent !== shown) time.textContent = shown;
      const words = known
        ? `${spoken(now)} of ${spoken(total)}`
        : `${spoken(now)} of ${reach > 0 ? `${spoken(reach)} ready so far` : "unknown length"}`;
      if (seek.getAttribute("aria-valuetext") !== words) {
        const max = known ? total : reach;
        if (max > 0) {
          seek.max = String(Math.max(1, Math.ceil(max)));
          if (!this._dragging) seek.value = String(Math.floor(now));
        }
        seek.disabled = !(reach > 0);
        seek.setAttribute("aria-valuetext", words);
        this.updatePositionState();
      }
      if (this.cues.length) {
        const index = lastStarted(this.cues, now);
        this.highlight(index);
        this.highlightWord(index, now);
      }
    }

    highlight(index) {
      if (index === this.current) return;
      this.current = index;
      this.currentWord = -2;
      const range = index >= 0 ? this.ranges[index] : null;
      if (!highlightsWork()) return;
      if (!range) {
        CSS.highlights.delete(SENTENCE);
        CSS.highlights.delete(WORD);
        return;
      }
      CSS.highlights.set(SENTENCE, new Highlight(range));
      this.dispatchEvent(new CustomEvent("narrator-highlight", { bubbles: true, detail: { index, at: performance.now() } }));
      if (this.ui.follow.checked && !this.audio.paused) this.reveal(range);
    }

    highlightWord(index, now) {
      const cue = index >= 0 ? this.cues[index] : null;
      let word = -1;
      if (cue && cue.words.length && this.ui.words.checked) {
        const at = lastStarted(cue.words, now);
        if (at >= 0 && now < cue.words[at].end + 0.25) word = at;
      }
      if (word === this.currentWord) return;
      this.currentWord = word;
      if (!highlightsWork()) return;
      if (word < 0) {
        CSS.highlights.delete(WORD);
        return;
      }
      if (this.words[index] === null) this.words[index] = wordRanges(this._index, cue, this.places[index]);
      const range = this.words[index][word];
      if (range) {
        const highlight = new Highlight(range);
        highlight.priority = 1; // drawn over the sentence
        CSS.highlights.set(WORD, highlight);
      } else {
        CSS.highlights.delete(WORD);
      }
    }

    reveal(range) {
      const rect = range.getBoundingClientRect();
      const margin = 80;
      if (rect.top >= margin && rect.bottom <= window.innerHeight - margin) return;
      const target = range.startContainer.parentElement;
      if (!target) return;
      target.scrollIntoView({
        block: "center",
        behavior: this.reducedMotion.matches ? "auto" : "smooth",
      });
    }
  }

  customElements.define("narrator-player", NarratorPlayer);
})();
