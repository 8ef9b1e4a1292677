"""Train the page-dump line classifier (``narrator/extract/data/dump_lines.json``).

Tune half only (``benchmarks/data/extraction-split.json``): the test half is never read
here. Each dump line is labeled story or not by the gold body: a line of four or more words
is story when most of its word 4-grams are in the gold; a shorter line (a subhead) when its
words occur in the gold between the places of the story lines around it. The features are
:func:`narrator.extract._lines.line_features`; each is cut into bins (edges midway between
its distinct values at the deciles, or between all of them when it has few) and a logistic
regression (L2, gradient descent, each page weighted equally, a line by its words)
learns one weight per bin. The Viterbi switch cost is then chosen by the shingle F1 of
the kept lines in a site-grouped cross-validation on the same tune pages.

The headline scorer (``narrator/extract/data/dump_title.json``) is trained on the same tune
pages: the candidates are :func:`narrator.extract.dump.title_candidates` as the extractor
makes them, the answer is the candidate that is the page's headline (the Readability gold
title, or else the page's ``<h1>`` or ``og:title``, when one of them is a line of the dump,
compared by the benchmark's ``headline_match``), and a conditional logit (one softmax over
each page's candidates, L2) learns one weight per standardised feature. A site-grouped
cross-validation on the tune half prints how often the top candidate is the headline.

Run::

    .venv/bin/python benchmarks/train_dump_model.py
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import numpy as np
from extraction import score  # type: ignore[import-not-found]
from extraction_pages import DEFAULT_SHARED, Page, ensure_dumps, load_pages, read_dump

from narrator.extract._lines import FEATURES, MODEL_PATH, LineModel, line_features, viterbi
from narrator.extract.dump import (
    TITLE_FEATURES,
    TITLE_MODEL_PATH,
    TitleCandidate,
    headline_text,
    read_page_dump,
)

_TOKEN = re.compile(r"\w+")
_BINS = 10
_L2 = 1e-3
_SWITCH_COSTS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)


def dump_lines(text: str) -> list[str]:
    """A dump's non-blank lines, stripped (what the extractor classifies)."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def labels(lines: list[str], gold: str) -> list[bool]:
    """Story (True) or not, for each line, judged against the gold body."""
    gold_tokens = _TOKEN.findall(gold)
    grams: dict[tuple[str, ...], int] = {}
    for i in range(len(gold_tokens) - 3):
        grams.setdefault(tuple(gold_tokens[i : i + 4]), i)
    out: list[bool | None] = []
    where: list[int | None] = []
    for line in lines:
        tokens = _TOKEN.findall(line)
        if len(tokens) >= 4:
            own = [tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3)]
            hits = [grams[g] for g in own if g in grams]
            story = len(hits) * 2 > len(own)
            out.append(story)
            where.append(min(hits) if story else None)
        else:
            out.append(None)
            where.append(None)
    joined = " " + " ".join(gold_tokens) + " "
    offsets = [0]
    for token in gold_tokens:
        offsets.append(offsets[-1] + len(token) + 1)
    for i, line in enumerate(lines):
        if out[i] is not None:
            continue
        tokens = _TOKEN.findall(line)
        if not tokens:
            out[i] = False
            continue
        lo = next((where[j] for j in range(i - 1, -1, -1) if where[j] is not None), 0)
        hi = next((where[j] for j in range(i + 1, len(lines)) if where[j] is not None), None)
        if hi is None:
            hi = len(gold_tokens)
        needle = " " + " ".join(tokens) + " "
        lo_char, hi_char = offsets[max(0, (lo or 0) - 5)], offsets[min(len(gold_tokens), hi + 5)]
        out[i] = needle in joined[lo_char : hi_char + len(needle)]
    return [bool(x) for x in out]


def _pages(shared: Path) -> list[tuple[Page, list[str]]]:
    pages = [p for p in load_pages(shared) if p.half == "tune"]
    ensure_dumps(pages)
    found = []
    for page in pages:
        text = read_dump(page)
        if text is not None and (lines := dump_lines(text)):
            found.append((page, lines))
    return found


def _edges(values: np.ndarray) -> np.ndarray:
    """Bin edges for one feature: midway between its distinct values at the quantiles (or
    between all of them when it has few). An edge *at* a value would put that value and the
    next in one bin: a yes/no feature that is mostly 0 would have a single bin and no say."""
    distinct = np.unique(values)
    if len(distinct) <= _BINS:
        cuts = distinct[:-1]
    else:
        cuts = np.unique(np.quantile(values, np.linspace(0, 1, _BINS + 1)[1:-1]))
    edges = [(c + distinct[distinct > c][0]) / 2 for c in cuts if (distinct > c).any()]
    return np.unique(np.array(edges))


def _binned(x: np.ndarray, edges: list[np.ndarray]) -> np.ndarray:
    cols = []
    for f, e in enumerate(edges):
        index = np.searchsorted(e, x[:, f], side="right")
        one_hot = np.zeros((len(x), len(e) + 1))
        one_hot[np.arange(len(x)), index] = 1.0
        cols.append(one_hot)
    return np.hstack(cols)


def _fit(design: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, float]:
    """Weighted, L2-penalised logistic regression by L-BFGS; returns (weights, intercept)."""
    from scipy.optimize import minimize  # type: ignore[import-untyped]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        beta, bias = theta[:-1], theta[-1]
        z = design @ beta + bias
        # log(1 + e^z) - y z, computed stably
        value = float(np.sum(w * (np.logaddexp(0, z) - y * z))) / len(y)
        p = 1 / (1 + np.exp(-np.clip(z, -30, 30)))
        g = (p - y) * w / len(y)
        grad = np.append(design.T @ g + _L2 * beta, g.sum())
        return value + 0.5 * _L2 * float(beta @ beta), grad

    result = minimize(loss, np.zeros(design.shape[1] + 1), jac=True, method="L-BFGS-B")
    print(result.message, result.nit, file=sys.stderr)
    theta = result.x
    return theta[:-1], float(theta[-1])


_Pages = list[tuple[Page, list[str], np.ndarray, np.ndarray]]
_FOLDS = 5


def _fold(site: str) -> int:
    """The cross-validation fold of a tune-half site (every page of a site in one fold)."""
    return int(hashlib.sha1(site.encode()).hexdigest(), 16) % _FOLDS


def _fit_lines(data: _Pages) -> LineModel:
    """The binned logistic regression on ``data`` (page, lines, features, labels)."""
    x = np.vstack([feats for _, _, feats, _ in data])
    y = np.concatenate([labels_ for _, _, _, labels_ in data])
    ws = []
    for _, lines, _, _ in data:
        weight = np.array([len(_TOKEN.findall(line)) + 1.0 for line in lines])
        ws.append(weight / weight.sum())
    w = np.concatenate(ws)  # every page the same total
    w = w * len(w) / w.sum()  # mean weight 1
    edges = [_edges(x[:, f]) for f in range(x.shape[1])]
    beta, bias = _fit(_binned(x, edges), y, w)
    weights, start = [], 0
    for e in edges:
        weights.append(tuple(round(float(v), 5) for v in beta[start : start + len(e) + 1]))
        start += len(e) + 1
    return LineModel(
        edges=tuple(tuple(round(float(v), 6) for v in e) for e in edges),
        weights=tuple(weights),
        bias=round(float(bias), 5),
        switch_cost=0.0,
    )


def train(shared: Path) -> dict[str, object]:
    """Fit the model on the tune half and return it as the JSON the extractor loads.

    The switch cost is chosen by a site-grouped 5-fold cross-validation on the tune half:
    chosen on the pages a model was fitted to, it comes out too high (the fitted
    probabilities are surer than they are on a new site)."""
    data: _Pages = []
    for page, lines in _pages(shared):
        feats = np.array(line_features(lines), dtype=float)
        data.append((page, lines, feats, np.array(labels(lines, page.gold), dtype=float)))
    story = np.concatenate([labels_ for _, _, _, labels_ in data])
    print(f"{len(data)} tune pages, {len(story)} lines, {story.mean():.1%} story", file=sys.stderr)
    gold = {page.key: page.gold for page, *_ in data}
    fold = {page.site: _fold(page.site) for page, *_ in data}
    held_out: dict[str, list[float]] = {}
    for k in range(_FOLDS):
        model = _fit_lines([d for d in data if fold[d[0].site] != k])
        for page, _, feats, _ in data:
            if fold[page.site] == k:
                held_out[page.key] = model.probabilities(feats)
    best = (-1.0, 0.0)
    for cost in _SWITCH_COSTS:
        outputs = {}
        for page, lines, _, _ in data:
            states = viterbi(held_out[page.key], cost)
            outputs[page.key] = "\n\n".join(ln for ln, s in zip(lines, states, strict=True) if s)
        s = score(gold, outputs)
        print(f"switch cost {cost}: P {s.precision:.3f} R {s.recall:.3f} F1 {s.f1:.4f} (CV)")
        if s.f1 > best[0]:
            best = (s.f1, cost)
    model = _fit_lines(data)
    return {
        "about": (
            "Page-dump line classifier: logistic regression over binned line features, "
            "trained by benchmarks/train_dump_model.py on the tune half only."
        ),
        "features": list(FEATURES),
        "edges": [list(e) for e in model.edges],
        "weights": [list(w) for w in model.weights],
        "bias": model.bias,
        "switch_cost": best[1],
    }


def _headline_targets(page: Page) -> list[str]:
    """What the page's headline may read as: its gold title, then its <h1>s and og:title."""
    import lxml.html

    targets = [page.title] if page.title else []
    tree = lxml.html.fromstring(page.html_path.read_bytes())
    targets += [" ".join(h.text_content().split()) for h in tree.iter("h1")]
    targets += [
        m.get("content") or "" for m in tree.iter("meta") if m.get("property") == "og:title"
    ]
    return [t for t in targets if t.strip()]


_TitlePage = tuple[str, np.ndarray, np.ndarray]


def _title_data(shared: Path) -> list[_TitlePage]:
    """Per tune page with a findable headline: (site, candidate features, which are right)."""
    from extraction_halves import headline_match  # type: ignore[import-not-found]

    from narrator.extract.chrome import load_rules
    from narrator.extract.text import clean_text

    found = []
    for page, _ in _pages(shared):
        raw = read_dump(page) or ""
        collected: list[tuple[list[str], list[TitleCandidate]]] = []

        def collect(
            lines: list[str], candidates: list[TitleCandidate], out: list = collected
        ) -> None:
            out.append((list(lines), list(candidates)))

        read_page_dump(clean_text(raw), rules=load_rules().for_text(raw), choose_title=collect)
        if not collected or not collected[0][1]:
            continue
        lines, candidates = collected[0]
        texts = [headline_text(lines[c.index]) for c in candidates]
        for target in _headline_targets(page):
            # Every candidate reading as the headline is right (a headline shown twice).
            answers = np.array([headline_match(target, text) for text in texts])
            if answers.any():
                found.append((page.site, np.array([c.features for c in candidates]), answers))
                break
    return found


def _fit_title(data: list[_TitlePage]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Conditional logit over each page's candidates: (mean, scale, weights)."""
    from scipy.optimize import minimize

    stacked = np.vstack([x for _, x, _ in data])
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0) + 1e-6
    pages = [((x - mean) / scale, answers) for _, x, answers in data]

    def loss(beta: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = 0.0, np.zeros_like(beta)
        for x, answers in pages:
            # -log of the softmax mass on the right candidates.
            z = x @ beta
            e = np.exp(z - z.max())
            p = e / e.sum()
            q = np.where(answers, e, 0.0)
            value -= float(np.log(q.sum()) - np.log(e.sum()))
            grad -= (q / q.sum()) @ x - p @ x
        n = len(pages)
        return value / n + 0.5 * 0.05 * float(beta @ beta), grad / n + 0.05 * beta

    result = minimize(loss, np.zeros(stacked.shape[1]), jac=True, method="L-BFGS-B")
    return mean, scale, result.x


def _title_hits(data: list[_TitlePage], fitted: tuple[np.ndarray, ...]) -> int:
    mean, scale, beta = fitted
    return sum(bool(answers[np.argmax(((x - mean) / scale) @ beta)]) for _, x, answers in data)


def train_title(shared: Path) -> dict[str, object]:
    """Fit the headline scorer on the tune half; print its site-grouped CV accuracy."""
    data = _title_data(shared)
    folds = {site: _fold(site) for site, _, _ in data}
    cv = 0
    for fold in range(_FOLDS):
        train_part = [d for d in data if folds[d[0]] != fold]
        cv += _title_hits([d for d in data if folds[d[0]] == fold], _fit_title(train_part))
    fitted = _fit_title(data)
    print(
        f"title: {len(data)} tune pages with a findable headline; top candidate right on "
        f"{cv}/{len(data)} by 5-fold site-grouped CV, {_title_hits(data, fitted)} in-sample",
        file=sys.stderr,
    )
    mean, scale, beta = fitted
    return {
        "about": (
            "Page-dump headline scorer: conditional logit over standardised candidate "
            "features, trained by benchmarks/train_dump_model.py on the tune half only."
        ),
        "features": list(TITLE_FEATURES),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "weights": [round(float(v), 6) for v in beta],
    }


def main(argv: list[str] | None = None) -> int:
    """Train and write the model files (``--title-only``: only the headline scorer)."""
    args = sys.argv[1:] if argv is None else argv
    if "--title-only" not in args:
        model = train(DEFAULT_SHARED)
        MODEL_PATH.write_text(json.dumps(model, indent=None) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_PATH} (switch cost {model['switch_cost']})", file=sys.stderr)
    title = train_title(DEFAULT_SHARED)
    TITLE_MODEL_PATH.write_text(json.dumps(title, indent=None) + "\n", encoding="utf-8")
    print(f"wrote {TITLE_MODEL_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
