"""Documents and chunks in SQLite, read on demand: an index of a million chunks opens without
loading one of them. `documents` is a read-only mapping by id and `chunks` a read-only sequence by
chunk id, so code written against lists and dicts reads them unchanged."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Iterable, Iterator

from rag.index.backend import ChunkSequence
from rag.types import Chunk, Document

FILE = "passages.sqlite"
_SCHEMA = """
CREATE TABLE documents (row INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, title TEXT, text TEXT,
                        language TEXT, metadata TEXT, content_hash TEXT);
CREATE TABLE chunks (row INTEGER PRIMARY KEY, document INTEGER NOT NULL, start INTEGER, end INTEGER,
                     text TEXT, language TEXT, attributions TEXT);
"""


def write_passages(path: Path, documents: Iterable[Document], chunks: Iterable[Chunk]) -> None:
    """Documents first (their row numbers follow the order given), then chunks, whose ids must be 0, 1, ..."""
    with sqlite3.connect(path) as db:
        db.executescript(_SCHEMA)
        row_of: dict[str, int] = {}
        for row, document in enumerate(documents):
            row_of[document.id] = row
            db.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (row, document.id, document.title, document.text, document.language,
                        json.dumps(document.metadata, ensure_ascii=False), document.content_hash))
        db.executemany("INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?)",
                       ((chunk.chunk_id, row_of[chunk.doc_id], chunk.start, chunk.end, chunk.text, chunk.language,
                         json.dumps(chunk.attributions, ensure_ascii=False)) for chunk in chunks))
    sqlite3.connect(path).close()


class Passages:
    """The read side: one read-only connection, shared by the threads of a server."""

    def __init__(self, path: Path, documents: int, chunks: int) -> None:
        """`documents` and `chunks`: the counts the manifest records (counting a million rows in
        SQLite reads the whole table; the store's consistency check compares them with the data)."""
        self._db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self.documents = _Documents(self, documents)
        self.chunks = _Chunks(self, chunks)

    def query(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, parameters).fetchall()

    def last_rows(self) -> tuple[int, int]:
        """The last document and chunk row numbers (-1 when empty): primary keys, read without a scan."""
        return tuple(-1 if row is None else row for row in (self.query("SELECT max(row) FROM documents")[0][0],
                                                             self.query("SELECT max(row) FROM chunks")[0][0]))

    def close(self) -> None:
        self._db.close()


_CHUNK_SQL = ("SELECT c.row, d.id, d.title, c.text, c.start, c.end, c.language, d.metadata, c.attributions "
              "FROM chunks c JOIN documents d ON d.row = c.document")
_DOCUMENT_SQL = "SELECT id, title, text, language, metadata, content_hash FROM documents"


def _chunk(row: tuple) -> Chunk:
    chunk_id, doc_id, title, text, start, end, language, metadata, attributions = row
    return Chunk(chunk_id, doc_id, title, text, start, end, language, json.loads(metadata), json.loads(attributions))


def _document(row: tuple) -> Document:
    doc_id, title, text, language, metadata, content_hash = row
    return Document(doc_id, title, text, language, json.loads(metadata), content_hash)


class _Chunks(ChunkSequence):
    def __init__(self, passages: Passages, size: int) -> None:
        super().__init__(size)
        self._passages = passages

    def _fetch(self, start: int, stop: int) -> list[Chunk]:
        return [_chunk(row) for row in self._passages.query(
            f"{_CHUNK_SQL} WHERE c.row >= ? AND c.row < ? ORDER BY c.row", (start, stop))]

    def of_documents(self, doc_ids: Iterable[str]) -> list[Chunk]:
        """The chunks of these documents, in chunk order."""
        ids = list(doc_ids)
        rows = []
        for start in range(0, len(ids), 500):
            batch = ids[start:start + 500]
            rows += self._passages.query(f"{_CHUNK_SQL} WHERE d.id IN ({','.join('?' * len(batch))})", tuple(batch))
        return [_chunk(row) for row in sorted(rows)]


class _Documents(Mapping):
    def __init__(self, passages: Passages, size: int) -> None:
        self._passages = passages
        self._size = size

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, doc_id: str) -> Document:
        rows = self._passages.query(f"{_DOCUMENT_SQL} WHERE id = ?", (doc_id,))
        if not rows:
            raise KeyError(doc_id)
        return _document(rows[0])

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and bool(self._passages.query("SELECT 1 FROM documents WHERE id = ?", (doc_id,)))

    def __iter__(self) -> Iterator[str]:
        return (row[0] for row in self._passages.query("SELECT id FROM documents ORDER BY row"))

    def values(self):
        return (_document(row) for row in self._passages.query(f"{_DOCUMENT_SQL} ORDER BY row"))
