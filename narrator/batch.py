"""Narrate many articles: in this process, on a local process pool, or on a Dask cluster.

Each article is one task that runs the whole pipeline (``narrate()``), so a worker loads
each voice once and keeps it for every article it is given, and the clip cache (a folder
of whole files written atomically) is safely shared by all workers on one machine. A Dask
``distributed.Client`` has the same ``submit``/``result`` interface as a local pool, so a
newsroom can point narrator at an existing cluster; the output folder must then be on
storage every worker can write (a shared mount), since each worker writes its own files.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .encode import check_writable, format_for_path
from .errors import NarratorError, OutputError
from .ingest import is_url
from .models import Narration
from .pipeline import NarrateOptions, narrate
from .synth import Executor, process_pool

__all__ = ["BatchResult", "connect_dask", "narrate_many", "output_paths"]


@dataclass(frozen=True)
class BatchResult:
    """What became of one article in a batch."""

    source: str
    """The input as given."""

    output: Path
    """Where its audio was (or would have been) written."""

    narration: Narration | None = None
    """The narration, when it succeeded."""

    error: str | None = None
    """The one-line reason, when it failed."""


def _slug(source: str) -> str:
    if is_url(source):
        try:
            parts = urllib.parse.urlsplit(source)
            host = parts.hostname
        except ValueError:  # malformed ("http://[::1/"): its fetch reports why; name it anyway
            return "article"
        last = parts.path.rstrip("/").rsplit("/", 1)[-1]
        stem = last.rsplit(".", 1)[0] if last else (host or "article")
    else:
        stem = Path(source).stem
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_stem).strip("-").lower()
    return slug or "article"


def output_paths(sources: Sequence[str], out_dir: Path, fmt: str) -> list[Path]:
    """One output file per source, named after it (ASCII slug), never two the same."""
    taken: set[str] = set()
    paths = []
    for source in sources:
        base = _slug(source)
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name)
        paths.append(out_dir / f"{name}.{fmt}")
    return paths


def _narrate_one(source: str, output: Path, options: NarrateOptions) -> BatchResult:
    """One article; errors are returned as text so they cross process boundaries intact."""
    try:
        return BatchResult(source, output, narration=narrate(source, output, options=options))
    except NarratorError as exc:
        return BatchResult(source, output, error=str(exc))


def connect_dask(address: str) -> Any:
    """A Dask distributed client for the scheduler at ``address`` (``tcp://host:8786``)."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise NarratorError(
            "Narrating on a Dask cluster needs the dask extra: pip install 'narrator[dask]'."
        ) from exc
    try:
        client: Any = Client(address, timeout="10s")
        return client
    except OSError as exc:
        raise NarratorError(
            f"Could not reach the Dask scheduler at {address} ({exc}). "
            f"Check the address, and that the scheduler is running."
        ) from exc


def narrate_many(
    sources: Sequence[str],
    out_dir: Path,
    *,
    options: NarrateOptions | None = None,
    executor: Executor | None = None,
    jobs: int | None = None,
    on_result: Callable[[BatchResult], None] | None = None,
) -> list[BatchResult]:
    """Narrate every source into ``out_dir``; one failure does not stop the others.

    With ``executor`` (a process pool, a Dask client) the articles run there; else with
    ``jobs`` > 1 on a local process pool of that size; else one after another here.
    Results come back in the order of ``sources``.
    """
    options = options or NarrateOptions()
    if not out_dir.is_dir():
        raise OutputError(f"The output folder {out_dir} does not exist. Create it first.")
    fmt = format_for_path(None, options.format)
    outputs = output_paths(sources, out_dir, fmt)
    if outputs:
        check_writable(outputs[0])
    # Article-level parallelism here: each worker narrates whole articles in one thread.
    options = dataclasses.replace(options, jobs=None)
    owned = None
    if executor is None and (jobs or 1) > 1 and len(sources) > 1:
        executor = owned = process_pool(min(jobs or 1, len(sources)))
    results: list[BatchResult] = []
    try:
        if executor is None:
            for source, output in zip(sources, outputs, strict=True):
                result = _narrate_one(source, output, options)
                if on_result is not None:
                    on_result(result)
                results.append(result)
        else:
            futures = [
                executor.submit(_narrate_one, source, output, options)
                for source, output in zip(sources, outputs, strict=True)
            ]
            for future in futures:
                result = future.result()
                if on_result is not None:
                    on_result(result)
                results.append(result)
    finally:
        if owned is not None:
            owned.shutdown()
    return results
