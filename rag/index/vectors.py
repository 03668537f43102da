"""FAISS index choice: exact inner product while it is fast enough, HNSW beyond that."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import faiss

HNSW_NEIGHBOURS = 32


def build_vector_index(vectors: np.ndarray, exact_search_limit: int) -> tuple["faiss.Index", str]:
    """Unit-length vectors in, an inner-product (= cosine) index out, with its kind's name."""
    import faiss

    dimension = vectors.shape[1]
    if len(vectors) <= exact_search_limit:
        index, kind = faiss.IndexFlatIP(dimension), "IndexFlatIP"
    else:
        index = faiss.IndexHNSWFlat(dimension, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = 128
        kind = f"IndexHNSWFlat(M={HNSW_NEIGHBOURS})"
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index, kind


def reconstruct_all(index: "faiss.Index") -> np.ndarray:
    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    return index.reconstruct_n(0, index.ntotal)
