"""Reading ahead in a background thread: the source's next rows come while the current ones are written.

:func:`prefetch` runs any iterator in a thread, a few items ahead of its consumer.
:func:`read_datasets` does it for a whole sequence of datasets with one thread: the reader
goes on to the next dataset's description and rows while the writer still finishes the
previous one (its last row groups, its hash, its profile), so on two cores the reader never
waits at a dataset's end. Reading and writing both release the GIL (database drivers,
Arrow's CSV parser, Parquet encoding), so the two threads use two cores.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
DEPTH = 2  # items ahead of the consumer: memory stays at DEPTH + 1 chunks


def prefetch(items: Iterable[T], depth: int = DEPTH) -> Iterator[T]:
    """``items`` produced in a background thread, at most ``depth`` ahead of the consumer.

    An error in the producer is raised in the consumer; a consumer that stops early
    (or is closed) stops the producer, which closes ``items`` if it can.
    """
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        ready.put(("item", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
        except BaseException as error:  # handed over to the consumer, raised there
            ready.put(("error", error))
            return
        finally:
            close = getattr(items, "close", None)
            if stop.is_set() and close is not None:
                close()  # in this thread, which ran it
        ready.put(("item", done))

    worker = threading.Thread(target=produce, name="snapshot-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, item = ready.get()
            if kind == "error":
                raise item
            if item is done:
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                ready.get_nowait()
            except queue.Empty:
                pass
            worker.join(timeout=0.1)


_END = object()


def _events(specs: Iterator) -> Iterator[tuple[object, object]]:
    """Each spec, then its chunks, then an end mark: one stream for one reading thread."""
    for spec in specs:
        yield spec, None
        chunks = iter(spec.chunks)
        try:
            for chunk in chunks:
                yield spec, chunk
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        yield spec, _END


def read_datasets(specs: Iterator) -> Iterator[tuple[object, Iterator]]:
    """``(spec, its chunks)`` for each spec of ``specs``, read ahead by one thread across datasets.

    The consumer must use each dataset's chunks to their end before asking for the next
    dataset. An error of the reader is raised from the chunks (or from this iterator
    between datasets); the reader has then stopped, and the specs not yet begun are still
    in ``specs`` for the caller to go on with. Closing this iterator stops the reader.
    """
    stream = prefetch(_events(specs))
    try:
        for spec, marker in stream:
            assert marker is None, "a dataset's chunks were left unread"
            yield spec, _chunks_of(stream)
    finally:
        stream.close()


def _chunks_of(stream: Iterator) -> Iterator:
    for _spec, chunk in stream:
        if chunk is _END:
            return
        yield chunk
