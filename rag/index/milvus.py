"""The Milvus backend: the same index in Milvus Lite (in-process, `milvus:PATH`) or a Milvus
server or cluster (`milvus+http://HOST:PORT`), through the same pymilvus code.

Milvus holds everything: chunk vectors and sentence vectors (FLAT up to the exact search limit,
HNSW beyond), the Arabic-aware BM25 weights of the three lexical fields as sparse vectors (term
hash -> weight, so a sparse inner product is the BM25 score), the filterable metadata as scalar
fields (values case-folded, dates as their first and last possible day), the chunk and document
text. Filters become Milvus expressions and run inside the engine before its top-k is cut.

Each build writes a new generation of collections and then switches one pointer row, so a reader
sees the old index or the new one, never half of each; the generation before is dropped by the
build after (as in the embedded store).
"""

from __future__ import annotations

import fcntl
import json
import time
from collections import Counter
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from rag.errors import IndexCorruptError, IndexMissingError, QueryError
from rag.index import lexical
from rag.index.backend import LEXICAL_FIELDS, ChunkSequence
from rag.index.fields import chunk_terms, document_terms, title_terms
from rag.index.filters import RANGE_KEYS, check_date, date_bounds, pad_date
from rag.types import Chunk, Document

_POINTER = "isnad_current"
_TEXT_LIMIT = 12_000  # characters per VARCHAR part: 48 KB at 4 bytes a character, under Milvus's 64 KB
_BATCH = 500
_CHUNK_FIELDS = ["id", "doc_id", "title", "text", "start", "end", "language", "metadata", "attributions"]
_FILTER_FIELDS = ("language", "source", "date_lo", "date_hi", "keys")


def client_for(location: str):
    """A pymilvus client for `milvus:PATH` (Milvus Lite) or `milvus+http(s)://...` (a server)."""
    from pymilvus import MilvusClient

    if location.startswith("milvus+"):
        return MilvusClient(uri=location[len("milvus+"):])
    if location.startswith("milvus:"):
        path = Path(location[len("milvus:"):])
        path.parent.mkdir(parents=True, exist_ok=True)
        return MilvusClient(str(path))
    raise QueryError(f"not a Milvus location: {location!r} (use milvus:PATH or milvus+http://HOST:PORT)")


class MilvusStore:
    """Reads and writes an index in Milvus: the counterpart of rag.index.store.IndexStore."""

    def __init__(self, location: str) -> None:
        self.location = location
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = client_for(self.location)
        return self._client

    def exists(self) -> bool:
        return self._generation() is not None

    def read(self) -> "MilvusIndex":
        generation = self._generation()
        if generation is None:
            raise IndexMissingError(f"no index at {self.location}; build one with `isnad index --index {self.location}`")
        return MilvusIndex(self.client, generation)

    def verify(self) -> dict[str, str]:
        index = self.read()
        counts = index.manifest["counts"]
        return {"chunks": "ok" if len(index.chunks) == counts["chunks"] else "damaged (count differs)",
                "documents": "ok" if len(index.documents) == counts["documents"] else "damaged (count differs)"}

    @contextmanager
    def lock(self) -> Iterator[None]:
        """One writer at a time for Milvus Lite (a lock file beside its database); a server has
        many clients, and two builders there are the deployment's to avoid."""
        if not self.location.startswith("milvus:"):
            yield
            return
        path = Path(self.location[len("milvus:"):] + ".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexCorruptError(f"another `isnad index` is writing {self.location}; wait for it") from None
            yield

    def stage(self, data, exact_search_limit: int):
        """A generation holds whole collections here: what is staged waits in memory for `update`."""
        return data

    def update(self, previous: "MilvusIndex | None", update, exact_search_limit: int) -> dict[str, Any]:
        """The documents kept (their vectors copied, not embedded again) and the staged ones are
        written as the next generation."""
        from rag.index.segment import SegmentData
        from rag.index.store import IndexData

        parts = list(update.staged)
        if previous is not None and update.keep_previous:
            parts.insert(0, previous.reusable([doc_id for doc_id in previous.documents if doc_id not in update.removed]))
        whole = SegmentData.joined(parts, int(update.manifest["dimension"]))
        return self.write(IndexData.of(update.manifest, whole, update.vocabulary, update.vocabulary_vectors),
                          exact_search_limit)

    @staticmethod
    def summary(index: "MilvusIndex") -> dict[str, Any]:
        return {"chunks": len(index.chunks), "vector_index": index.manifest["vectors"]["chunks"]["kind"], "segments": 1}

    @property
    def scratch(self) -> Path:
        """Where a build keeps what must outlive it if it is killed (rag.index.checkpoint)."""
        if self.location.startswith("milvus:"):
            return Path(self.location[len("milvus:"):] + ".pending")
        import hashlib
        import tempfile

        return Path(tempfile.gettempdir()) / f"isnad-{hashlib.sha256(self.location.encode()).hexdigest()[:12]}.pending"

    def write(self, data, exact_search_limit: int) -> dict[str, Any]:
        """Write a new generation of collections, then point the readers at it."""
        generation = f"g{time.strftime('%Y%m%d%H%M%S')}{time.monotonic_ns() % 1_000_000:06d}"
        dimension = int(data.manifest["dimension"])
        large = len(data.chunks) > exact_search_limit
        writer = _Writer(self.client, generation, dimension)
        writer.documents(data.documents)
        writer.chunks(data.documents, data.chunks, data.chunk_vectors, large)
        writer.sentences(data.chunks, data.sentence_chunks, data.sentence_vectors, len(data.sentence_chunks) > exact_search_limit)
        writer.vocabulary(data.vocabulary, data.vocabulary_vectors)
        data.manifest["vectors"] = {"chunks": {"kind": "HNSW" if large else "FLAT", "rows": len(data.chunks)},
                                    "sentences": {"kind": "HNSW" if len(data.sentence_chunks) > exact_search_limit
                                                  else "FLAT", "rows": len(data.sentence_chunks)}}
        data.manifest["languages"] = sorted({chunk.language for chunk in data.chunks})
        data.manifest["generation"] = generation
        data.manifest["counts"] = {"documents": len(data.documents), "chunks": len(data.chunks)}
        previous = self._generation()
        self._point_at(generation, data.manifest)
        self._drop_generations(keep={generation, previous})
        return self.summary(self.read())

    def _generation(self) -> str | None:
        if not self.client.has_collection(_POINTER):
            return None
        self.client.load_collection(_POINTER)
        rows = self.client.query(_POINTER, filter="id == 0", output_fields=["generation"])
        return rows[0]["generation"] if rows else None

    def _point_at(self, generation: str, manifest: dict[str, Any]) -> None:
        from pymilvus import DataType

        if not self.client.has_collection(_POINTER):
            schema = self.client.create_schema(auto_id=False)
            schema.add_field("id", DataType.INT64, is_primary=True)
            schema.add_field("generation", DataType.VARCHAR, max_length=64)
            schema.add_field("manifest", DataType.JSON)
            _create(self.client, _POINTER, schema)
        self.client.upsert(_POINTER, [{"id": 0, "generation": generation, "manifest": manifest, "_": [0.0, 0.0]}])

    def _drop_generations(self, keep: set[str | None]) -> None:
        for name in self.client.list_collections():
            if name.startswith("isnad_g") and name.split("_")[1] not in keep:
                self.client.drop_collection(name)


class _Writer:
    def __init__(self, client, generation: str, dimension: int) -> None:
        self.client, self.generation, self.dimension = client, generation, dimension

    def name(self, what: str) -> str:
        return f"isnad_{self.generation}_{what}"

    def documents(self, documents: list[Document]) -> None:
        from pymilvus import DataType

        schema = self.client.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)  # row * 10,000 + part
        schema.add_field("row", DataType.INT64)
        schema.add_field("doc_id", DataType.VARCHAR, max_length=4096)
        schema.add_field("part", DataType.INT64)
        schema.add_field("text", DataType.VARCHAR, max_length=65_535)
        schema.add_field("fields", DataType.JSON)  # title, language, metadata, content hash
        _create(self.client, self.name("documents"), schema)
        rows = ({"id": row * 10_000 + part, "row": row, "doc_id": document.id, "part": part, "text": text,
                 "fields": {"title": document.title, "language": document.language, "metadata": document.metadata,
                            "content_hash": document.content_hash} if part == 0 else {}, "_": [0.0, 0.0]}
                for row, document in enumerate(documents) for part, text in enumerate(_parts(document.text)))
        _insert(self.client, self.name("documents"), rows)

    def chunks(self, documents: list[Document], chunks: list[Chunk], vectors: np.ndarray, large: bool) -> None:
        from pymilvus import DataType

        schema = self.client.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=self.dimension)
        for field in LEXICAL_FIELDS:
            schema.add_field(f"{field}_terms", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("doc_id", DataType.VARCHAR, max_length=4096)
        schema.add_field("title", DataType.VARCHAR, max_length=65_535)
        schema.add_field("text", DataType.VARCHAR, max_length=65_535)
        schema.add_field("start", DataType.INT64)
        schema.add_field("end", DataType.INT64)
        schema.add_field("metadata", DataType.JSON)
        schema.add_field("attributions", DataType.JSON)
        _filter_schema(schema)
        index = self.client.prepare_index_params()
        _vector_index(index, "vector", large)
        for field in LEXICAL_FIELDS:
            index.add_index(f"{field}_terms", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        self.client.create_collection(self.name("chunks"), schema=schema, index_params=index)
        by_id = {document.id: row for row, document in enumerate(documents)}
        chunk_weights = _sparse_rows(lexical.weigh((chunk_terms(chunk) for chunk in chunks), *lexical.FIELD_BM25["chunks"]))
        document_weights = _sparse_rows(lexical.weigh((document_terms(d) for d in documents), *lexical.FIELD_BM25["documents"]))
        title_weights = _sparse_rows(lexical.weigh((title_terms(d) for d in documents), *lexical.FIELD_BM25["titles"]))
        rows = ({"id": chunk.chunk_id, "vector": vectors[i].tolist(), "chunks_terms": chunk_weights[i],
                 "documents_terms": document_weights[by_id[chunk.doc_id]], "titles_terms": title_weights[by_id[chunk.doc_id]],
                 "doc_id": chunk.doc_id, "title": chunk.title, "text": chunk.text, "start": chunk.start, "end": chunk.end,
                 "metadata": chunk.metadata, "attributions": chunk.attributions,
                 **_filter_values(chunk.language, chunk.metadata)} for i, chunk in enumerate(chunks))
        _insert(self.client, self.name("chunks"), rows)

    def sentences(self, chunks: list[Chunk], owners: np.ndarray, vectors: np.ndarray, large: bool) -> None:
        from pymilvus import DataType

        schema = self.client.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("chunk", DataType.INT64)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=self.dimension)
        _filter_schema(schema)
        index = self.client.prepare_index_params()
        _vector_index(index, "vector", large)
        self.client.create_collection(self.name("sentences"), schema=schema, index_params=index)
        filters = [_filter_values(chunk.language, chunk.metadata) for chunk in chunks]
        rows = ({"id": i, "chunk": int(owner), "vector": vectors[i].tolist(), **filters[int(owner)]}
                for i, owner in enumerate(owners.tolist()))
        _insert(self.client, self.name("sentences"), rows)

    def vocabulary(self, vocabulary: list[tuple[str, str]], vectors: np.ndarray) -> None:
        from pymilvus import DataType

        schema = self.client.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("language", DataType.VARCHAR, max_length=16)
        schema.add_field("word", DataType.VARCHAR, max_length=1024)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=self.dimension)
        index = self.client.prepare_index_params()
        index.add_index("vector", index_type="FLAT", metric_type="IP")
        self.client.create_collection(self.name("vocabulary"), schema=schema, index_params=index)
        _insert(self.client, self.name("vocabulary"), ({"id": i, "language": language, "word": word,
                                                        "vector": vectors[i].tolist()}
                                                       for i, (language, word) in enumerate(vocabulary)))


class MilvusIndex:
    """A generation in Milvus opened for reading (the Milvus backend of rag.index.backend.SearchIndex)."""

    def __init__(self, client, generation: str) -> None:
        self.client, self.generation = client, generation
        self.manifest = client.query(_POINTER, filter="id == 0", output_fields=["manifest"])[0]["manifest"]
        self._names = {what: f"isnad_{generation}_{what}" for what in ("documents", "chunks", "sentences", "vocabulary")}
        for name in self._names.values():
            if not client.has_collection(name):
                raise IndexCorruptError(f"Milvus index generation {generation} is missing {name}; "
                                        f"rebuild it with `isnad index`")
            client.load_collection(name)
        self.documents = _Documents(self)
        self.chunks = _Chunks(self)
        rows = _query_all(client, self._names["vocabulary"], "", ["id", "language", "word", "vector"])
        rows.sort(key=lambda row: row["id"])
        self.vocabulary = [(row["language"], row["word"]) for row in rows]
        self.vocabulary_vectors = np.asarray([row["vector"] for row in rows], np.float32).reshape(
            len(rows), int(self.manifest["dimension"]))

    @classmethod
    def open(cls, location: str) -> "MilvusIndex":
        return MilvusStore(location).read()

    @property
    def languages(self) -> list[str]:
        return list(self.manifest.get("languages", []))

    def select(self, filters: dict[str, Any] | None, language: str | None = None) -> "_Expression":
        expression = _expression(filters, language)
        return _Expression(expression, self.count(expression) == 0)

    def count(self, expression: str, collection: str = "chunks") -> int:
        return int(self.client.query(self._names[collection], filter=expression, output_fields=["count(*)"])[0]["count(*)"])

    def blocking(self, filters: dict[str, Any] | None) -> list[str]:
        if not self.select(filters).empty:
            return []
        active = {key: wanted for key, wanted in (filters or {}).items() if wanted not in (None, "", [], ())}
        alone = [key for key, wanted in active.items() if self.select({key: wanted}).empty]
        return alone or list(active)

    def counts(self, key: str) -> Counter:
        rows = _query_all(self.client, self._names["documents"], "part == 0", ["fields"])
        return Counter(str(value) for row in rows if (value := row["fields"]["metadata"].get(key)) not in (None, ""))

    def nearest_chunks(self, vector: np.ndarray, k: int, selection: "_Expression") -> tuple[np.ndarray, np.ndarray]:
        return self._search("chunks", "vector", vector.tolist(), k, selection.expression)

    def nearest_sentences(self, vector: np.ndarray, k: int, selection: "_Expression") -> tuple[np.ndarray, np.ndarray]:
        hits = self._hits("sentences", "vector", vector.tolist(), k, selection.expression, ["chunk"])
        return (np.asarray([hit["entity"]["chunk"] for hit in hits], np.int64),
                np.asarray([hit["distance"] for hit in hits], np.float32))

    def similarity(self, vector: np.ndarray, chunk_ids: np.ndarray) -> np.ndarray:
        rows = {row["id"]: row["vector"] for row in self._get("chunks", chunk_ids, ["vector"])}
        return np.asarray([np.dot(rows[int(i)], vector) for i in chunk_ids], np.float32)

    def lexical(self, field: str, terms: list[str], k: int, selection: "_Expression") -> "_SparseHits":
        return _SparseHits(self, field, _query_sparse(terms), k, selection.expression)

    def sentence_vectors(self, chunk_id: int) -> np.ndarray:
        rows = self.client.query(self._names["sentences"], filter=f"chunk == {int(chunk_id)}", output_fields=["id", "vector"])
        rows.sort(key=lambda row: row["id"])
        return np.asarray([row["vector"] for row in rows], np.float32).reshape(len(rows), int(self.manifest["dimension"]))

    def reusable(self, doc_ids: list[str]):
        from rag.index.segment import SegmentData

        old_chunks = self.chunks.of_documents(doc_ids)
        dimension = int(self.manifest["dimension"])
        vectors = {row["id"]: row["vector"] for row in self._get("chunks", [c.chunk_id for c in old_chunks], ["vector"])}
        new_id = {chunk.chunk_id: i for i, chunk in enumerate(old_chunks)}
        sentences = []
        for batch in _batches(list(new_id), _BATCH):
            sentences += self.client.query(self._names["sentences"], filter=f"chunk in {json.dumps(batch)}",
                                           output_fields=["id", "chunk", "vector"])
        sentences.sort(key=lambda row: row["id"])
        return SegmentData([self.documents[doc_id] for doc_id in doc_ids],
                           [replace(chunk, chunk_id=new_id[chunk.chunk_id]) for chunk in old_chunks],
                           np.asarray([vectors[c.chunk_id] for c in old_chunks], np.float32).reshape(len(old_chunks), dimension),
                           np.asarray([row["vector"] for row in sentences], np.float32).reshape(len(sentences), dimension),
                           np.asarray([new_id[row["chunk"]] for row in sentences], np.int64))

    def content_hashes(self) -> dict[str, str]:
        return {document.id: document.content_hash for document in self.documents.values()}

    def _search(self, collection: str, field: str, query, k: int, expression: str) -> tuple[np.ndarray, np.ndarray]:
        hits = self._hits(collection, field, query, k, expression, [])
        return np.asarray([hit["id"] for hit in hits], np.int64), np.asarray([hit["distance"] for hit in hits], np.float32)

    def _hits(self, collection: str, field: str, query, k: int, expression: str, output: list[str]) -> list[dict]:
        results = self.client.search(self._names[collection], data=[query], anns_field=field, limit=k,
                                     filter=expression, output_fields=output,
                                     search_params={"metric_type": "IP", "params": {"ef": max(2 * k, 64),
                                                                                     "drop_ratio_search": 0.0}})
        return list(results[0])

    def _get(self, collection: str, ids: Iterable[int], fields: list[str]) -> list[dict]:
        ids = [int(i) for i in ids]
        rows = []
        for batch in _batches(ids, _BATCH):
            rows += self.client.get(self._names[collection], ids=batch, output_fields=["id", *fields])
        return rows


class _Expression:
    def __init__(self, expression: str, empty: bool) -> None:
        self.expression, self.empty = expression, empty


class _SparseHits:
    """A BM25 field searched as a sparse inner product inside Milvus."""

    def __init__(self, index: MilvusIndex, field: str, query: dict[int, float], k: int, expression: str) -> None:
        self._index, self._field, self._query, self._expression = index, field, query, expression
        if query:
            self.ids, scores = index._search("chunks", f"{field}_terms", query, k, expression)
        else:
            self.ids, scores = np.zeros(0, np.int64), np.zeros(0, np.float32)
        self.best = float(scores[0]) if len(scores) else 0.0
        self._known = dict(zip(self.ids.tolist(), scores.tolist()))

    def scores(self, ids: np.ndarray) -> np.ndarray:
        missing = [int(i) for i in ids if int(i) not in self._known]
        for batch in _batches(missing, _BATCH):  # exact scores of chunks outside the top k
            inside = f"id in {json.dumps(batch)}" + (f" and ({self._expression})" if self._expression else "")
            found, scores = self._index._search("chunks", f"{self._field}_terms", self._query, len(batch), inside)
            self._known.update({i: 0.0 for i in batch})
            self._known.update(zip(found.tolist(), scores.tolist()))
        return np.asarray([self._known.get(int(i), 0.0) for i in ids], np.float32)


class _Chunks(ChunkSequence):
    def __init__(self, index: MilvusIndex) -> None:
        super().__init__(index.count("", "chunks"))
        self._index = index

    def _fetch(self, start: int, stop: int) -> list[Chunk]:
        rows = self._index._get("chunks", range(start, stop), _CHUNK_FIELDS)
        return [_chunk(row) for row in sorted(rows, key=lambda row: row["id"])]

    def of_documents(self, doc_ids: Iterable[str]) -> list[Chunk]:
        rows = []
        for batch in _batches(list(doc_ids), _BATCH):
            rows += _query_all(self._index.client, self._index._names["chunks"],
                               f"doc_id in {_literals(batch)}", _CHUNK_FIELDS)
        return [_chunk(row) for row in sorted(rows, key=lambda row: row["id"])]


class _Documents(Mapping):
    def __init__(self, index: MilvusIndex) -> None:
        self._index = index
        self._size = index.count("part == 0", "documents")

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, doc_id: str) -> Document:
        if not isinstance(doc_id, str):
            raise KeyError(doc_id)
        rows = _query_all(self._index.client, self._index._names["documents"], f"doc_id == {_literal(doc_id)}",
                          ["doc_id", "part", "text", "fields"])
        if not rows:
            raise KeyError(doc_id)
        return _document(sorted(rows, key=lambda row: row["part"]))

    def __iter__(self) -> Iterator[str]:
        rows = _query_all(self._index.client, self._index._names["documents"], "part == 0", ["row", "doc_id"])
        return (row["doc_id"] for row in sorted(rows, key=lambda row: row["row"]))


def _sparse_rows(weighed: lexical.Weights) -> list[dict[int, float]]:
    """Each row's weights keyed by the 32-bit term hash Milvus takes as a sparse dimension."""
    keys = [lexical.term_hash(term) & 0xFFFFFFFF for term in weighed.terms]
    rows: list[dict[int, float]] = [{} for _ in range(weighed.size)]
    for row, term, weight in zip(weighed.rows.tolist(), weighed.term_ids.tolist(), weighed.weights.tolist()):
        key = keys[term]
        rows[row][key] = rows[row].get(key, 0.0) + weight  # two terms sharing a hash add up
    return [row or {0: 0.0} for row in rows]  # Milvus refuses an empty sparse vector


def _query_sparse(terms: list[str]) -> dict[int, float]:
    query: dict[int, float] = {}
    for term, count in Counter(terms).items():  # a repeated term counts again, as in bm25s
        key = lexical.term_hash(term) & 0xFFFFFFFF
        query[key] = query.get(key, 0.0) + float(count)
    return query


def _filter_schema(schema) -> None:
    from pymilvus import DataType

    schema.add_field("language", DataType.VARCHAR, max_length=16)
    schema.add_field("source", DataType.VARCHAR, max_length=1024)
    schema.add_field("date_lo", DataType.VARCHAR, max_length=16)
    schema.add_field("date_hi", DataType.VARCHAR, max_length=16)
    schema.add_field("keys", DataType.JSON)  # every metadata value, case-folded, for other filters


def _filter_values(language: str, metadata: dict[str, Any]) -> dict[str, Any]:
    date = str(metadata.get("date") or "")
    low, high = date_bounds(date) if date[:4].isdigit() else ("", "")
    return {"language": language.casefold(), "source": str(metadata.get("source") or "").casefold(), "date_lo": low,
            "date_hi": high, "keys": {key: str(value).casefold() for key, value in metadata.items()
                                      if isinstance(value, (str, int, float)) and not isinstance(value, bool)}}


def _expression(filters: dict[str, Any] | None, language: str | None) -> str:
    """Milvus's boolean expression for our filters (string literals JSON-escaped)."""
    clauses = [f"language == {_literal(language)}"] if language else []
    for key, wanted in (filters or {}).items():
        if wanted in (None, "", [], ()):
            continue
        if key in RANGE_KEYS:
            bound = check_date(key, wanted)
            clauses.append(f'date_hi >= {_literal(pad_date(bound, "0000-00-00"))}' if key == "date_from" else
                           f'date_lo != "" and date_lo <= {_literal(pad_date(bound, "9999-99-99"))}')
            continue
        values = [str(value).casefold() for value in (wanted if isinstance(wanted, (list, tuple, set)) else [wanted])]
        if key in ("language", "source"):
            clauses.append(f"{key} in {_literals(values)}")
        else:
            clauses.append("(" + " or ".join(f"keys[{_literal(key)}] == {_literal(v)}" for v in values) + ")")
    return " and ".join(f"({clause})" for clause in clauses)


def _literal(text: str) -> str:
    """A string literal for a Milvus expression: quotes and backslashes escaped, control
    characters (which no stored value holds) dropped; the parser takes no \\u escapes."""
    text = "".join(ch for ch in str(text) if ch >= " " and ch != "\x7f")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _literals(texts: list[str]) -> str:
    return "[" + ", ".join(map(_literal, texts)) + "]"


def _vector_index(index, field: str, large: bool) -> None:
    if large:
        index.add_index(field, index_type="HNSW", metric_type="IP", params={"M": 32, "efConstruction": 200})
    else:
        index.add_index(field, index_type="FLAT", metric_type="IP")


def _create(client, name: str, schema) -> None:
    """A collection without vectors of its own still needs one vector field in Milvus."""
    from pymilvus import DataType

    schema.add_field("_", DataType.FLOAT_VECTOR, dim=2)
    index = client.prepare_index_params()
    index.add_index("_", index_type="FLAT", metric_type="IP")
    client.create_collection(name, schema=schema, index_params=index)


def _insert(client, name: str, rows: Iterable[dict]) -> None:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            client.insert(name, batch)
            batch = []
    if batch:
        client.insert(name, batch)
    client.flush(name)


def _query_all(client, name: str, expression: str, fields: list[str]) -> list[dict]:
    rows, offset = [], 0
    while True:
        page = client.query(name, filter=expression, output_fields=fields, limit=1000, offset=offset)
        rows += page
        if len(page) < 1000:
            return rows
        offset += 1000


def _batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _parts(text: str) -> list[str]:
    return [text[i:i + _TEXT_LIMIT] for i in range(0, len(text), _TEXT_LIMIT)] or [""]


def _chunk(row: dict) -> Chunk:
    return Chunk(row["id"], row["doc_id"], row["title"], row["text"], row["start"], row["end"], row["language"],
                 row["metadata"], row["attributions"])


def _document(parts: list[dict]) -> Document:
    fields = parts[0]["fields"]
    return Document(parts[0]["doc_id"], fields["title"], "".join(part["text"] for part in parts), fields["language"],
                    fields["metadata"], fields["content_hash"])
