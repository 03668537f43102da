"""NumPy arrays on disk: saved without pickle, opened memory-mapped.

Opening parses the .npy header with `ast.literal_eval`, which CPython 3.11 (before 3.11.8,
gh-106905) can fail with "AST constructor recursion depth mismatch" when two threads do it at
once; a server opens indexes from several threads, so header parsing is serialised here.
"""

from __future__ import annotations

import os
import threading
import weakref
from pathlib import Path

import numpy as np

_HEADER_LOCK = threading.Lock()


def save_array(path: Path, array: np.ndarray) -> None:
    np.save(path, array, allow_pickle=False)


def open_array(path: Path, in_memory: bool = False) -> np.ndarray:
    """The array at `path`, memory-mapped (or read whole when small and read on every query).
    A plain ndarray view of the map: np.memmap's own slicing costs microseconds a call, and a
    query slices thousands of posting lists."""
    with _HEADER_LOCK:
        array = np.load(path, mmap_mode=None if in_memory else "r", allow_pickle=False)
    return np.asarray(array)


class RowReader:
    """Chosen rows of a 2-D .npy file, read with `pread`: only the bytes asked for are copied and
    nothing stays mapped into the process. (Through a memory map each scattered row faults in its
    page and up to 15 cached neighbours: at a million chunks the candidates' rows kept a gigabyte
    resident that no search read.)"""

    def __init__(self, path: Path) -> None:
        with _HEADER_LOCK:
            header = np.load(path, mmap_mode="r", allow_pickle=False)
        self.dtype, self.shape, self._start = header.dtype, header.shape, header.offset
        self._row_bytes = self.dtype.itemsize * int(np.prod(self.shape[1:]))
        self._file = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, self._file)

    def take(self, rows: np.ndarray) -> np.ndarray:
        """The given rows (sorted ascending), each run of consecutive rows in one read."""
        out = np.empty((len(rows), *self.shape[1:]), self.dtype)
        buffer = memoryview(out.reshape(-1).view(np.uint8))
        breaks = np.flatnonzero(np.diff(rows) != 1) + 1
        for first, last in zip(np.concatenate([[0], breaks]), np.concatenate([breaks, [len(rows)]])):
            size = (last - first) * self._row_bytes
            os.preadv(self._file, [buffer[first * self._row_bytes:][:size]],
                      self._start + int(rows[first]) * self._row_bytes)
        return out
