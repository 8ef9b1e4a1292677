"""Batch narration: many articles, in order, in parallel, on a local Dask cluster too."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from narrator.batch import narrate_many, output_paths
from narrator.cli import cli
from narrator.pipeline import NarrateOptions

from .audio_check import measure


def _articles(folder: Path) -> list[str]:
    texts = {
        "first-story.md": "# First story\n\nThe first article has two sentences. Here is one more.",
        "Second Story.txt": "Second story\n\nA shorter one.",
        "empty.txt": "   \n",
        "third.html": "<html><body><article><h1>Third</h1><p>"
        + "The third article is an HTML page with enough words in its body to count as one. " * 3
        + "</p></article></body></html>",
    }
    paths = []
    for name, text in texts.items():
        path = folder / name
        path.write_text(text)
        paths.append(str(path))
    return paths


def test_output_names_are_ascii_slugs_and_unique(tmp_path: Path) -> None:
    names = [
        "a/Café Story.md",
        "b/Café Story.md",
        "https://example.com/news/2026/big-day.html",
        "https://example.com/",
    ]
    assert [p.name for p in output_paths(names, tmp_path, "mp3")] == [
        "cafe-story.mp3",
        "cafe-story-2.mp3",
        "big-day.mp3",
        "example-com.mp3",
    ]


def test_batch_on_a_process_pool_keeps_order_and_reports_failures(tmp_path: Path) -> None:
    sources = _articles(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    options = NarrateOptions(cache_dir=tmp_path / "cache")
    results = narrate_many(sources, out, options=options, jobs=2)
    assert [r.source for r in results] == sources
    assert [r.output.name for r in results] == [
        "first-story.mp3",
        "second-story.mp3",
        "empty.mp3",
        "third.mp3",
    ]
    assert results[2].error is not None and "is empty" in results[2].error
    assert not (out / "empty.mp3").exists()
    for result in (results[0], results[1], results[3]):
        assert result.error is None and result.narration is not None
        assert measure(result.output).duration_s == pytest.approx(
            result.narration.duration_ms / 1000, abs=0.1
        )


def test_batch_on_a_local_dask_cluster(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    sources = _articles(tmp_path)[:2]
    out = tmp_path / "out"
    out.mkdir()
    options = NarrateOptions(cache_dir=tmp_path / "cache")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        results = narrate_many(sources, out, options=options, executor=client)
        workers = set(client.run(lambda: 1))
    assert len(workers) == 2
    assert all(r.error is None for r in results)
    assert [measure(r.output).duration_s > 1 for r in results] == [True, True]
    # A second run, in this process, finds every sentence in the shared cache.
    again = narrate_many(sources, out, options=options)
    assert [r.narration.rendered for r in again if r.narration] == [0, 0]


def test_cli_batch_exit_status_and_messages(tmp_path: Path) -> None:
    sources = _articles(tmp_path)[1:3]
    out = tmp_path / "out"
    out.mkdir()
    result = CliRunner().invoke(
        cli, ["narrate", *sources, "-d", str(out), "--cache-dir", str(tmp_path / "c")]
    )
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"Wrote {out / 'second-story.mp3'} (")
    assert lines[1] == (
        f"Error: {sources[1]}: {sources[1]} is empty: there is nothing to narrate. "
        "Give it the article's text."
    )
    assert lines[2] == "Error: 1 of 2 articles failed; the others were written."


def test_cli_rejects_o_with_several_articles(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["narrate", "a.txt", "b.txt", "-o", "x.mp3"])
    assert result.exit_code == 2
    assert "Use -o for one article, or -d OUTDIR for several, not both." in result.stderr


def test_single_article_on_synthesis_workers(tmp_path: Path) -> None:
    """--jobs 2 for one article: chunks rendered by two worker processes, in order."""
    source = _articles(tmp_path)[0]
    out = tmp_path / "one.mp3"
    result = CliRunner().invoke(
        cli, ["narrate", source, "-o", str(out), "-j", "2", "--no-cache", "-q"]
    )
    assert result.exit_code == 0, result.stderr
    assert measure(out).duration_s > 3
    # Every chunk, in order: byte for byte what one process makes (Piper is deterministic).
    alone = tmp_path / "alone.mp3"
    result = CliRunner().invoke(cli, ["narrate", source, "-o", str(alone), "--no-cache", "-q"])
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes() == alone.read_bytes()
