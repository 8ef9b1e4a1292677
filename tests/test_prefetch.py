"""The synthesis prefetch thread: results in order, errors handed over, and never left
blocked when the consumer stops early (a narration that fails while its audio streams)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from narrator.synth import prefetch


def _synthesis_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "narrator-synthesis" and t.is_alive()}


def test_items_come_in_order_and_an_error_is_raised_to_the_consumer() -> None:
    def items() -> Iterator[int]:
        yield from range(5)
        raise ValueError("the voice failed")

    got = []
    with pytest.raises(ValueError, match="the voice failed"):
        for item in prefetch(items(), depth=2):
            got.append(item)
    assert got == [0, 1, 2, 3, 4]


def test_a_consumer_that_stops_while_the_producer_fails_leaves_no_thread_behind() -> None:
    # The server's job: its own time limit stops the consumer (writing audio) while the
    # producer, between two sentences, hits the same limit; the queue is full, and the
    # producer's error has nowhere to go. It must give up rather than wait for a reader.
    before = _synthesis_threads()
    raised = threading.Event()

    def items() -> Iterator[str]:
        yield "first"
        yield "second"  # fills the queue (depth 1) while the consumer holds "first"
        raised.set()
        raise TimeoutError("the job's time limit")

    stream = prefetch(items(), depth=1)
    assert next(stream) == "first"
    assert raised.wait(timeout=30), "the producer never reached its error"
    stream.close()  # what a failing consumer does (GeneratorExit at its yield)
    assert _synthesis_threads() - before == set()


def test_a_consumer_that_stops_when_the_producer_is_done_leaves_no_thread_behind() -> None:
    before = _synthesis_threads()
    finished = threading.Event()

    def items() -> Iterator[str]:
        yield "first"
        yield "second"
        finished.set()

    stream = prefetch(items(), depth=1)
    assert next(stream) == "first"
    assert finished.wait(timeout=30)
    stream.close()
    assert _synthesis_threads() - before == set()
