"""Metadata filters, applied to every chunk *before* the top-k is cut.

    {"source": "reuters" | [..], "language": "ar" | [..], "date_from": "2016-01-01",
     "date_to": "2016-12-31", <any other metadata key>: value | [values]}
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rag.errors import QueryError
from rag.types import Chunk

RANGE_KEYS = {"date_from", "date_to"}


def filter_mask(chunks: list[Chunk], filters: dict[str, Any] | None) -> np.ndarray:
    """Boolean mask of the chunks that satisfy every filter."""
    mask = np.ones(len(chunks), dtype=bool)
    for key, wanted in (filters or {}).items():
        if wanted in (None, "", [], ()):
            continue
        test = _range_test(key, wanted) if key in RANGE_KEYS else _value_test(key, wanted)
        mask &= np.fromiter((test(chunk) for chunk in chunks), dtype=bool, count=len(chunks))
    return mask


def blocking_filters(chunks: list[Chunk], filters: dict[str, Any] | None) -> list[str]:
    """When the filters together leave no passage: the ones that alone leave none (to loosen),
    else all of them (only their combination excludes everything). Empty when something is left."""
    if filter_mask(chunks, filters).any():
        return []
    active = {key: wanted for key, wanted in (filters or {}).items() if wanted not in (None, "", [], ())}
    alone = [key for key, wanted in active.items() if not filter_mask(chunks, {key: wanted}).any()]
    return alone or list(active)


def _value_test(key: str, wanted: Any):
    allowed = {str(value).casefold() for value in (wanted if isinstance(wanted, (list, tuple, set)) else [wanted])}

    def test(chunk: Chunk) -> bool:
        value = chunk.language if key == "language" else chunk.metadata.get(key)
        return value is not None and str(value).casefold() in allowed

    return test


def _range_test(key: str, bound: str):
    bound = str(bound)
    if len(bound) < 4 or not bound[:4].isdigit():
        raise QueryError(f"{key} must be an ISO date such as 2016-12-31, got {bound!r}")

    def test(chunk: Chunk) -> bool:
        date = str(chunk.metadata.get("date") or "")
        if not date[:4].isdigit():
            return False  # undated chunks cannot be placed in a date range
        # A date known to the month ("2016-10") is in range if any day of it is.
        return date >= bound[: len(date)] if key == "date_from" else date[: len(bound)] <= bound

    return test
