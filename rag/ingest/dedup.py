"""Exact and near-duplicate detection over normalised text (MinHash LSH from datasketch)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from rag.text import normalise, search_tokens
from rag.types import Document

_PERMUTATIONS = 128


@dataclass(frozen=True)
class Duplicate:
    of: str                          # the id of the document that is kept
    similarity: float | None = None  # None: identical after normalisation

    def __str__(self) -> str:
        if self.similarity is None:
            return f"exact duplicate of {self.of}"
        return f"near duplicate of {self.of} (similarity {self.similarity:.2f})"


class Deduplicator:
    """Remembers what it has seen; `check` says whether a document repeats an earlier one."""

    def __init__(self, threshold: float = 0.9) -> None:
        from datasketch import MinHashLSH

        self.threshold = threshold
        self._exact: dict[str, str] = {}
        self._lsh = MinHashLSH(threshold=threshold, num_perm=_PERMUTATIONS)
        self._signatures: dict[str, object] = {}

    def check(self, document: Document) -> "Duplicate | None":
        """None for a new document, else which earlier document it repeats."""
        key = hashlib.sha256(" ".join(normalise(document.text).split()).encode()).hexdigest()
        if key in self._exact:
            return Duplicate(self._exact[key])
        self._exact[key] = document.id
        signature = _minhash(document.text)
        for other in self._lsh.query(signature):
            similarity = signature.jaccard(self._signatures[other])
            if similarity >= self.threshold:
                return Duplicate(other, similarity)
        self._lsh.insert(document.id, signature)
        self._signatures[document.id] = signature
        return None


def _minhash(text: str):
    from datasketch import MinHash

    tokens = search_tokens(text)
    shingles = {" ".join(tokens[i:i + 3]) for i in range(max(len(tokens) - 2, 1))}
    signature = MinHash(num_perm=_PERMUTATIONS)
    signature.update_batch([shingle.encode("utf-8") for shingle in shingles])
    return signature
