"""One local model answers one question at a time; the others wait in line and can see their place.

    >>> for place, waited in turns.wait():   # yields while waiting (at once, then every second)
    ...     show(place, waited)
    >>> try: answer() finally: turns.release()

Closing the generator while waiting (a cancelled question) leaves the line without taking a turn.
"""

from __future__ import annotations

import threading
import time
from typing import Iterator


class ModelTurns:
    def __init__(self, tick_seconds: float = 1.0) -> None:
        self.tick_seconds = tick_seconds
        self._model = threading.Lock()
        self._line: list[object] = []
        self._line_lock = threading.Lock()

    def wait(self) -> Iterator[tuple[int, float]]:
        """(place in line, seconds waited) until the model is free; then it is the caller's."""
        ticket, started = object(), time.monotonic()
        with self._line_lock:
            if not self._line and self._model.acquire(blocking=False):
                return
            self._line.append(ticket)
        try:
            while True:
                with self._line_lock:
                    place = self._line.index(ticket) + 1
                yield place, time.monotonic() - started
                if place > 1:  # first come, first served: only the head of the line takes the model
                    time.sleep(self.tick_seconds)
                elif self._model.acquire(timeout=self.tick_seconds):
                    return
        finally:
            with self._line_lock:
                self._line.remove(ticket)

    def release(self) -> None:
        self._model.release()

    @property
    def waiting(self) -> int:
        with self._line_lock:
            return len(self._line)
