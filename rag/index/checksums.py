"""Every index file's size and SHA-256, recorded when written and checked when opened.

Opening checks each size, the whole digest of files up to FULL_CHECK_BYTES and the digest of
evenly spaced blocks of larger ones (reading a multi-gigabyte file whole would cost the fast
open); `isnad index --verify` reads everything. Damaged vectors or edited chunk text are refused
(and `isnad index` rebuilds) rather than silently ranking wrong.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from rag.errors import IndexCorruptError

FULL_CHECK_BYTES = 64 * 1024 * 1024
_SAMPLE_BLOCKS, _BLOCK = 64, 64 * 1024


def fingerprints(folder: Path, names: list[str]) -> dict[str, dict[str, Any]]:
    return {name: fingerprint(folder / name) for name in names}


def check(folder: Path, name: str, recorded: dict[str, Any], whole: bool) -> None:
    """Raise IndexCorruptError unless the file matches what was recorded for it."""
    expected = recorded.get(name)
    path = folder / name
    if not isinstance(expected, dict) or not path.is_file() or path.stat().st_size != expected.get("size"):
        actual = None
    else:
        actual = fingerprint(path, whole or expected["size"] <= FULL_CHECK_BYTES)
    if actual is None or any(value != expected.get(key) for key, value in actual.items()):
        raise IndexCorruptError(f"index at {folder} is damaged ({name} does not match its checksum); "
                                f"`isnad index` rebuilds it")


def states(folder: Path, names: list[str], recorded: dict[str, Any]) -> dict[str, str]:
    """Each file read whole, and whether it matches its checksum (for `isnad index --verify`)."""
    result = {}
    for name in names:
        try:
            check(folder, name, recorded, whole=True)
            result[name] = "ok"
        except IndexCorruptError:
            result[name] = "no checksum recorded" if name not in recorded else "damaged (checksum differs)"
    return result


def fingerprint(path: Path, whole: bool = True) -> dict[str, Any]:
    """Size, SHA-256 of the whole file, and SHA-256 of evenly spaced blocks (the quick check)."""
    size = path.stat().st_size
    sampled = hashlib.sha256()
    with open(path, "rb") as handle:
        for offset in sorted({int(i * max(size - _BLOCK, 0) / max(_SAMPLE_BLOCKS - 1, 1)) for i in range(_SAMPLE_BLOCKS)}):
            handle.seek(offset)
            sampled.update(handle.read(_BLOCK))
    result = {"size": size, "sample_sha256": sampled.hexdigest()}
    if whole:
        whole_digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while block := handle.read(1 << 22):
                whole_digest.update(block)
        result["sha256"] = whole_digest.hexdigest()
    return result


def fsync_files(folder: Path, names: list[str]) -> None:
    for name in names:
        with open(folder / name, "rb") as handle:
            os.fsync(handle.fileno())
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
