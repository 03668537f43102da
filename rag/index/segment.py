"""One segment: an immutable mini-index of some documents, written once and never changed.

    passages.sqlite              documents and chunks (rag.index.passages), read by id
    columns.json, column.*.npy   filterable metadata, the document and language of each chunk
    chunks.npy / sentences.npy   unit vectors (memory-mapped; float16 with an .ivf past the exact limit)
    sentence_chunks.npy          the chunk of each sentence vector, ascending
    chunks.* / documents.* / titles.*   term frequencies of the three BM25 fields (rag.index.lexical)
    segment.json                 counts, vector index kinds with their recall, every file's checksum

An index is a list of segments (rag.index.store): an update writes a segment of what is new and
marks what it replaces as deleted, instead of rewriting what did not change. Ids inside a segment
(document rows, chunk ids, sentence rows) start at 0; the index offsets them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import IndexCorruptError
from rag.index import checksums, lexical
from rag.index.arrays import open_array, save_array
from rag.index.fields import chunk_terms, document_terms, title_terms
from rag.index.filters import Columns, column_files, write_columns
from rag.index.passages import FILE as PASSAGES_FILE, Passages, write_passages
from rag.index.vectors import VectorIndex, file_names as vector_files, write_vectors
from rag.types import Chunk, Document

SEGMENT_FILE = "segment.json"
LEXICAL_ROWS = {"chunks": chunk_terms, "documents": document_terms, "titles": title_terms}


@dataclass
class SegmentData:
    """What a segment holds, in memory: documents, their chunks (chunk_id = position), vectors."""

    documents: list[Document]
    chunks: list[Chunk]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    sentence_chunks: np.ndarray  # chunk id of each sentence vector, ascending

    @classmethod
    def empty(cls, dimension: int) -> "SegmentData":
        return cls([], [], np.zeros((0, dimension), np.float32), np.zeros((0, dimension), np.float32),
                   np.zeros(0, np.int64))

    @classmethod
    def joined(cls, parts: list["SegmentData"], dimension: int) -> "SegmentData":
        """The parts one after another, their chunks renumbered."""
        parts = [part for part in parts if part.documents] or [cls.empty(dimension)]
        offsets = np.cumsum([0] + [len(part.chunks) for part in parts])
        return cls([document for part in parts for document in part.documents],
                   [replace(chunk, chunk_id=chunk.chunk_id + int(offset))
                    for part, offset in zip(parts, offsets) for chunk in part.chunks],
                   np.vstack([part.chunk_vectors for part in parts]).astype(np.float32),
                   np.vstack([part.sentence_vectors for part in parts]).astype(np.float32),
                   np.concatenate([part.sentence_chunks + offset for part, offset in zip(parts, offsets)]).astype(np.int64))


def write_segment(folder: Path, data: SegmentData, exact_search_limit: int) -> dict[str, Any]:
    """Write a segment into an empty folder; returns what segment.json records."""
    folder.mkdir(parents=True)
    write_passages(folder / PASSAGES_FILE, data.documents, data.chunks)
    write_columns(folder, data.documents, data.chunks)
    vectors = {"chunks": write_vectors(folder, "chunks", data.chunk_vectors, exact_search_limit),
               "sentences": write_vectors(folder, "sentences", data.sentence_vectors, exact_search_limit)}
    save_array(folder / "sentence_chunks.npy", data.sentence_chunks.astype(np.int64))
    rows = {"chunks": data.chunks, "documents": data.documents, "titles": data.documents}
    for name, terms in LEXICAL_ROWS.items():
        lexical.write_lexical_index(folder, name, (terms(row) for row in rows[name]), *lexical.FIELD_BM25[name])
    entry = {"counts": {"documents": len(data.documents), "chunks": len(data.chunks)}, "vectors": vectors}
    names = _data_files(folder, entry)
    entry["files"] = checksums.fingerprints(folder, names)
    (folder / SEGMENT_FILE).write_text(json.dumps(entry, indent=1), "utf-8")
    checksums.fsync_files(folder, [SEGMENT_FILE, *names])
    return entry


class Segment:
    """A segment opened for reading: files mapped and checked, passages read on demand."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.entry = json.loads((folder / SEGMENT_FILE).read_bytes().decode("utf-8"))
        for name in self.entry["files"]:
            checksums.check(folder, name, self.entry["files"], whole=False)
        counts = self.entry["counts"]
        self.passages = Passages(folder / PASSAGES_FILE, counts["documents"], counts["chunks"])
        self.documents, self.chunks = self.passages.documents, self.passages.chunks
        self.columns = Columns(folder, counts["documents"])
        self.chunk_vectors = VectorIndex(folder, "chunks", self.entry["vectors"]["chunks"])
        self.sentence_vectors = VectorIndex(folder, "sentences", self.entry["vectors"]["sentences"])
        self.sentence_chunks = open_array(folder / "sentence_chunks.npy")
        self.lexical = {name: lexical.Columns(folder, name) for name in LEXICAL_ROWS}

    @property
    def name(self) -> str:
        return self.folder.name

    def sentence_rows(self, chunk_id: int) -> slice:
        first, last = np.searchsorted(self.sentence_chunks, [chunk_id, chunk_id + 1])
        return slice(int(first), int(last))

    def data(self, deleted: np.ndarray | None, wanted: set[str] | None = None) -> SegmentData:
        """What is live in this segment (documents not deleted; of those, the `wanted` ones if
        given), chunks renumbered from 0."""
        rows = self.passages.query("SELECT row, id FROM documents ORDER BY row")
        live_ids = [doc_id for row, doc_id in rows if (deleted is None or not deleted[row])
                    and (wanted is None or doc_id in wanted)]
        documents = [self.documents[doc_id] for doc_id in live_ids]
        old_chunks = self.chunks.of_documents(live_ids)
        old_ids = np.array([chunk.chunk_id for chunk in old_chunks], dtype=np.int64)
        new_id = np.full(len(self.chunks), -1, dtype=np.int64)
        new_id[old_ids] = np.arange(len(old_ids))
        owners = new_id[np.asarray(self.sentence_chunks)]
        kept = owners >= 0
        return SegmentData(documents, [replace(chunk, chunk_id=int(new_id[chunk.chunk_id])) for chunk in old_chunks],
                           np.asarray(self.chunk_vectors.rows[old_ids]),
                           np.asarray(self.sentence_vectors.rows[np.flatnonzero(kept)]), owners[kept])

    def inconsistency(self, dimension: int) -> str | None:
        """What does not fit together, or None: guards a segment whose checksums were rewritten too."""
        counts = self.entry["counts"]
        if self.passages.last_rows() != (counts["documents"] - 1, counts["chunks"] - 1):
            return "the recorded counts differ from the passages stored"
        if len(self.chunk_vectors) != len(self.chunks) or len(self.sentence_vectors) != len(self.sentence_chunks) \
                or len(self.columns.chunk_documents) != len(self.chunks):
            return "vector and chunk counts differ"
        if {self.chunk_vectors.dimension, self.sentence_vectors.dimension} - {dimension}:
            return f"vectors are not of the manifest's dimension {dimension}"
        owners = self.sentence_chunks
        if len(owners) and not (0 <= int(owners[0]) and int(owners[-1]) < len(self.chunks)
                                and bool(np.all(np.diff(owners) >= 0))):
            return "a sentence belongs to a chunk that does not exist"
        chunk_documents = self.columns.chunk_documents
        if len(chunk_documents) and not 0 <= int(chunk_documents.min()) <= int(chunk_documents.max()) < len(self.documents):
            return "a chunk names a document that does not exist"
        if any(self.lexical[name].size != size for name, size in
               (("chunks", counts["chunks"]), ("documents", counts["documents"]), ("titles", counts["documents"]))):
            return "a BM25 field's rows differ from the passages stored"
        return None


def _data_files(folder: Path, entry: dict[str, Any]) -> list[str]:
    vectors = entry["vectors"]
    return [PASSAGES_FILE, *column_files(folder), *vector_files("chunks", vectors["chunks"]),
            *vector_files("sentences", vectors["sentences"]), "sentence_chunks.npy",
            *(name for field in LEXICAL_ROWS for name in lexical.file_names(field))]


def open_segment(folder: Path) -> Segment:
    """A segment, or IndexCorruptError naming what is wrong with it."""
    try:
        return Segment(folder)
    except IndexCorruptError:
        raise
    except Exception as error:  # vanished, truncated JSON, damaged array, missing member
        raise IndexCorruptError(f"index at {folder.parent.parent} is damaged ({type(error).__name__}: {error}); "
                                f"rebuild it with `isnad index`") from error
