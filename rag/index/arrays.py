"""NumPy arrays on disk: saved without pickle, opened memory-mapped.

Opening parses the .npy header with `ast.literal_eval`, which CPython 3.11 (before 3.11.8,
gh-106905) can fail with "AST constructor recursion depth mismatch" when two threads do it at
once; a server opens indexes from several threads, so header parsing is serialised here.
"""

from __future__ import annotations

import threading
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
