/*
 * <narrator-player>: a Listen button for an article page, with the sentence being read
 * highlighted in the page itself.
 *
 *   <script src="https://narrator.example/narrator-player.js" defer></script>
 *   <narrator-player></narrator-player>
 *
 * Attributes:
 *   service  the narrator service's URL (default: where this script was loaded from)
 *   article  a CSS selector for the article (default: the page's <article>, else <main>)
 *   voice    a voice the service offers (default: the service's)
 *
 * How it works: on the first press of Listen it sends the article's HTML to the service,
 * plays the MP3 as it is rendered, and once the timings exist it maps each WebVTT cue
 * (id = the sentence key, text = the sentence as written) back onto the page's own text
 * nodes as a Range. The current sentence is shown with the CSS Custom Highlight API, so the
 * publisher's markup is never changed. Text from the service only ever goes into the page
 * through textContent, never as HTML.
 *
 * Accessibility: native <button>, <input type=range>, <select> and checkbox controls with
 * names; nothing plays until the reader asks; status changes go to a polite live region,
 * sentences never do (they would talk over the audio); auto-scroll follows
 * prefers-reduced-motion and can be turned off.
 */
(() => {
  "use strict";

  if (window.customElements === undefined || customElements.get("narrator-player")) {
    return;
  }

  const SCRIPT_URL = document.currentScript ? document.currentScript.src : location.href;
  const CSS_URL = new URL("narrator-player.css", SCRIPT_URL).href;
  const HIGHLIGHT = "narrator-sentence";
  const SPEEDS = [0.75, 1, 1.25, 1.5, 1.75, 2];
  const POLL_MS = 700;
  const PREVIOUS_RESTARTS_AFTER_S = 1.5;
  const SKIP_IN = "script, style, noscript, template, narrator-player, [hidden], [aria-hidden='true']";
  const INTERACTIVE = "a, button, input, select, textarea, label, summary, [contenteditable], [role='button']";

  const ICONS = {
    play: "M8 5v14l11-7z",
    pause: "M6 5h4v14H6zM14 5h4v14h-4z",
    previous: "M6 6h2v12H6zm3.5 6 8.5 6V6z",
    next: "M16 6h2v12h-2zM6 18l8.5-6L6 6z",
  };

  // The controls. A constant: no data from the service or the page is ever put in here.
  const TEMPLATE = `
    <div class="narrator-player" role="group" aria-label="Listen to this article">
      <div class="narrator-player-row">
        <button type="button" class="narrator-player-button narrator-player-primary" data-play>
          <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="${ICONS.play}"></path></svg>
          <span data-play-label>Listen</span>
        </button>
        <button type="button" class="narrator-player-button" data-previous aria-label="Previous sentence" title="Previous sentence" disabled>
          <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="${ICONS.previous}"></path></svg>
        </button>
        <button type="button" class="narrator-player-button" data-next aria-label="Next sentence" title="Next sentence" disabled>
          <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="${ICONS.next}"></path></svg>
        </button>
        <input type="range" class="narrator-player-seek" data-seek aria-label="Position"
               min="0" max="0" step="1" value="0" aria-valuetext="0 seconds of unknown length" disabled>
        <span class="narrator-player-time" data-time>0:00 / --:--</span>
      </div>
      <div class="narrator-player-row">
        <label>Speed
          <select data-speed>
            ${SPEEDS.map((s) => `<option value="${s}"${s === 1 ? " selected" : ""}>${s}×</option>`).join("")}
          </select>
        </label>
        <label><input type="checkbox" data-follow> Scroll to follow the reading</label>
      </div>
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

  /** Cues from WebVTT: [{key, text, start, end}] with times in seconds. */
  function parseVtt(text) {
    const toSeconds = (stamp) => {
      const bits = stamp.trim().split(":").map(Number);
      return bits.reduce((acc, n) => acc * 60 + n, 0);
    };
    const unescape = (s) =>
      s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&nbsp;/g, "\u00a0").replace(/&amp;/g, "&");
    const cues = [];
    for (const block of text.replace(/\r\n?/g, "\n").split(/\n{2,}/)) {
      const lines = block.split("\n").filter((l) => l.trim() !== "");
      const at = lines.findIndex((l) => l.includes("-->"));
      if (at < 0 || at > 1) continue;
      const [from, rest] = lines[at].split("-->");
      cues.push({
        key: at === 1 ? lines[0].trim() : String(cues.length + 1),
        text: unescape(lines.slice(at + 1).join(" ").replace(/<[^>]*>/g, "")).trim(),
        start: toSeconds(from),
        end: toSeconds(rest.trim().split(/\s+/)[0]),
      });
    }
    return cues;
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

  /** One Range (or null) per cue, found in reading order. */
  function mapCues(root, cues) {
    const index = indexText(root);
    let from = 0;
    return cues.map((cue) => {
      const needle = foldString(cue.text);
      if (!needle) return null;
      let at = index.folded.indexOf(needle, from);
      if (at < 0) at = index.folded.indexOf(needle);
      if (at >= 0) {
        from = at + needle.length;
        return rangeFor(index, at, at + needle.length);
      }
      // The extractor may have dropped something inside the sentence (a footnote mark):
      // anchor on its first and last words instead.
      const edge = Math.min(24, Math.floor(needle.length / 2));
      if (edge < 8) return null;
      const head = index.folded.indexOf(needle.slice(0, edge), from);
      if (head < 0) return null;
      const tail = index.folded.indexOf(needle.slice(-edge), head + edge);
      if (tail < 0 || tail + edge - head > needle.length * 1.5) return null;
      from = tail + edge;
      return rangeFor(index, head, tail + edge);
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

  // --- the element ----------------------------------------------------------------------

  class NarratorPlayer extends HTMLElement {
    constructor() {
      super();
      this.cues = [];
      this.ranges = [];
      this.current = -1;
      this.narration = null;
      this.finalAudio = false;
      this.state = "idle";
      this.audio = new Audio();
      this.audio.preload = "none";
      this._poll = 0;
      this._frame = 0;
      this._dragging = false;
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
        seek: $("seek"),
        time: $("time"),
        speed: $("speed"),
        follow: $("follow"),
        status: $("status"),
      };
      this.reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
      this.ui.follow.checked = !this.reducedMotion.matches;
      this._onArticleClick = (event) => this.articleClicked(event);
    }

    get service() {
      return new URL(this.getAttribute("service") || new URL("/", SCRIPT_URL).href, location.href);
    }

    get article() {
      const selector = this.getAttribute("article");
      return (
        (selector && document.querySelector(selector)) ||
        document.querySelector("article") ||
        document.querySelector("main")
      );
    }

    connectedCallback() {
      stylePage();
      const { play, previous, next, seek, speed } = this.ui;
      play.addEventListener("click", () => this.toggle());
      previous.addEventListener("click", () => this.step(-1));
      next.addEventListener("click", () => this.step(1));
      seek.addEventListener("input", () => this.seekTo(Number(seek.value)));
      seek.addEventListener("pointerdown", () => (this._dragging = true));
      seek.addEventListener("pointerup", () => (this._dragging = false));
      seek.addEventListener("change", () => (this._dragging = false));
      speed.addEventListener("change", () => {
        this.audio.playbackRate = Number(speed.value);
        this.say(`Speed ${speed.value} times.`);
      });
      const audio = this.audio;
      audio.addEventListener("play", () => this.playing(true));
      audio.addEventListener("pause", () => this.playing(false));
      audio.addEventListener("ended", () => this.ended());
      audio.addEventListener("timeupdate", () => this.tick());
      audio.addEventListener("durationchange", () => this.tick());
      audio.addEventListener("error", () => {
        if (audio.src) this.fail("The audio could not be played.");
      });
      const article = this.article;
      if (article) article.addEventListener("click", this._onArticleClick);
    }

    disconnectedCallback() {
      this.audio.pause();
      clearTimeout(this._poll);
      cancelAnimationFrame(this._frame);
      const article = this.article;
      if (article) article.removeEventListener("click", this._onArticleClick);
      this.highlight(-1);
    }

    /** Polite status for screen readers (never a sentence: that would talk over the audio). */
    say(message) {
      this.ui.status.textContent = message;
    }

    fail(message) {
      this.state = this.narration ? "ready" : "idle";
      this.say(message);
      this.setPlayButton(false);
    }

    setPlayButton(isPlaying) {
      const started = this.narration !== null;
      this.ui.playLabel.textContent = isPlaying ? "Pause" : started ? "Play" : "Listen";
      this.ui.playIcon.setAttribute("d", isPlaying ? ICONS.pause : ICONS.play);
    }

    // --- talking to the service ---

    async request(path, init) {
      const response = await fetch(new URL(path, this.service), init);
      if (!response.ok) {
        let message = `The narration service answered ${response.status}.`;
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
      if (!article) {
        this.say("There is no article on this page to read.");
        return;
      }
      this.state = "preparing";
      this.ui.play.setAttribute("aria-busy", "true");
      this.say("Preparing the audio…");
      const body = { html: article.outerHTML };
      const voice = this.getAttribute("voice");
      if (voice) body.voice = voice;
      try {
        const response = await this.request("/v1/narrations", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
        this.narration = await response.json();
      } catch (error) {
        this.ui.play.removeAttribute("aria-busy");
        this.fail(`Could not prepare the audio: ${error.message}`);
        return;
      }
      this.ui.play.removeAttribute("aria-busy");
      this.state = "ready";
      if (this.narration.status === "done") {
        await this.loadTimings();
      } else {
        this.watch();
      }
      this.audio.src = new URL(this.narration.links.audio, this.service).href;
      this.audio.playbackRate = Number(this.ui.speed.value);
      this.play();
    }

    /** Poll the status until the narration is done, then load the timings. */
    watch() {
      clearTimeout(this._poll);
      this._poll = setTimeout(async () => {
        try {
          const response = await this.request(this.narration.links.self);
          const status = await response.json();
          if (status.status === "done") {
            this.narration = status;
            await this.loadTimings();
            return;
          }
          if (status.status === "failed") {
            this.fail(`The audio could not be made: ${status.error || "unknown error"}`);
            return;
          }
        } catch (error) {
          this.say(`Lost touch with the narration service: ${error.message}`);
        }
        this.watch();
      }, POLL_MS);
    }

    async loadTimings() {
      try {
        const response = await this.request(this.narration.links.timings);
        this.cues = parseVtt(await response.text());
      } catch (error) {
        this.say(`Sentence highlighting is not available: ${error.message}`);
        return;
      }
      const article = this.article;
      this.ranges = article ? mapCues(article, this.cues) : [];
      this.finalAudio = this.narration.status === "done" && this.audio.src === "";
      this.ui.previous.disabled = false;
      this.ui.next.disabled = false;
      this.ui.seek.disabled = false;
      this.tick();
      this.dispatchEvent(new CustomEvent("narrator-ready", { detail: { cues: this.cues.length } }));
    }

    // --- playback ---

    get duration() {
      if (this.narration && this.narration.duration_ms) return this.narration.duration_ms / 1000;
      return Number.isFinite(this.audio.duration) ? this.audio.duration : NaN;
    }

    toggle() {
      if (this.state === "preparing") return;
      if (this.narration === null) {
        this.start();
      } else if (this.audio.ended) {
        this.seekTo(0).then(() => this.play()); // from the top (the file, not the used stream)
      } else if (this.audio.paused) {
        this.play();
      } else {
        this.audio.pause();
      }
    }

    play() {
      const attempt = this.audio.play();
      if (attempt && attempt.catch) {
        attempt.catch((error) => {
          if (error.name !== "AbortError") this.fail(`The audio could not start: ${error.message}`);
        });
      }
    }

    playing(isPlaying) {
      this.setPlayButton(isPlaying);
      this.say(isPlaying ? "Playing." : this.audio.ended ? "Finished." : "Paused.");
      cancelAnimationFrame(this._frame);
      if (isPlaying) {
        const loop = () => {
          this.tick();
          this._frame = requestAnimationFrame(loop);
        };
        this._frame = requestAnimationFrame(loop);
      }
    }

    ended() {
      this.setPlayButton(false);
      this.say("Finished.");
    }

    /** Move to ``seconds``; a stream still being rendered is swapped for the seekable file. */
    async seekTo(seconds) {
      const audio = this.audio;
      if (!this.finalAudio) {
        if (!this.narration || this.narration.status !== "done") return;
        // The progressive stream cannot seek; the finished file can (byte ranges).
        const wasPlaying = !audio.paused;
        this.finalAudio = true;
        audio.src = new URL(this.narration.links.audio, this.service).href;
        audio.playbackRate = Number(this.ui.speed.value);
        audio.currentTime = seconds;
        if (wasPlaying) this.play();
        this.tick();
        return;
      }
      audio.currentTime = seconds;
      this.tick();
    }

    cueAt(seconds) {
      let lo = 0;
      let hi = this.cues.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (this.cues[mid].start <= seconds + 0.001) {
          found = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      return found;
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
      let index = this.cueAt(now);
      if (direction < 0 && index >= 0 && now - this.cues[index].start > PREVIOUS_RESTARTS_AFTER_S) {
        this.playCue(index); // like a CD player: first back to the start of this sentence
        return;
      }
      index = Math.min(this.cues.length - 1, Math.max(0, index + direction));
      this.playCue(index);
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

    /** Refresh the time, the slider and the highlight from the audio's position. */
    tick() {
      const now = this.audio.currentTime || 0;
      const total = this.duration;
      const { seek, time } = this.ui;
      // Called every frame while playing: write to the DOM only when a second changes, so
      // assistive technology is not handed a new value sixty times a second.
      const shown = `${clock(now)} / ${clock(total)}`;
      if (time.textContent !== shown) time.textContent = shown;
      const known = Number.isFinite(total);
      const words = `${spoken(now)} of ${known ? spoken(total) : "unknown length"}`;
      if (seek.getAttribute("aria-valuetext") !== words) {
        if (known) {
          seek.max = String(Math.max(1, Math.ceil(total)));
          if (!this._dragging) seek.value = String(Math.floor(now));
        }
        seek.setAttribute("aria-valuetext", words);
      }
      if (this.cues.length) this.highlight(this.cueAt(now));
    }

    highlight(index) {
      if (index === this.current) return;
      this.current = index;
      const range = index >= 0 ? this.ranges[index] : null;
      if (!(window.CSS && CSS.highlights && window.Highlight)) return;
      if (!range) {
        CSS.highlights.delete(HIGHLIGHT);
        return;
      }
      CSS.highlights.set(HIGHLIGHT, new Highlight(range));
      if (this.ui.follow.checked && !this.audio.paused) this.reveal(range);
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
