"""The on-disk index: one folder per generation, every file memory-mapped or read on demand.

    passages.sqlite              documents and chunks (rag.index.passages), read by id
    columns.json, column.*.npy   filterable metadata, the document and language of each chunk
    chunks.npy / sentences.npy   unit vectors (float32, memory-mapped), with .ivf past the exact limit
    sentence_chunks.npy          the chunk of each sentence vector, ascending
    chunks.* / documents.* / titles.*   BM25 columns of the three lexical fields (rag.index.lexical)
    vocabulary.jsonl / .npy      the corpus's words for query translation (light encoder only)
    manifest.json                settings, counts, vector index kinds with their recall, checksums

Opening reads the manifest and maps the rest, so it takes well under a second at any size. No
pickle anywhere: NumPy with allow_pickle=False, FAISS's own format, SQLite and JSON, so an index
received from someone else is safe to open.

Writes are atomic: each build goes to a fresh `gen-*` folder, and only when every file is on
disk does `CURRENT` (replaced with os.replace) point at it. A crash or kill mid-build leaves
the previous generation current and usable. The generation before stays one more build, for
readers that resolved `CURRENT` just before the switch.

The manifest records every file's size and SHA-256. Opening checks each size, the whole digest
of files up to FULL_CHECK_BYTES and the digest of evenly spaced blocks of larger ones (reading a
multi-gigabyte file whole would cost the fast open); `isnad index --verify` reads everything.
Damaged vectors or edited chunk text are refused (and `isnad index` rebuilds) rather than
silently ranking wrong.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from contextlib import contextmanager
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from rag.errors import IndexCorruptError, IndexMissingError
from rag.index import lexical
from rag.index.arrays import open_array, save_array
from rag.index.backend import LEXICAL_FIELDS
from rag.index.fields import chunk_terms, document_terms, title_terms
from rag.index.filters import Columns, column_files, write_columns
from rag.index.passages import FILE as PASSAGES_FILE, Passages, write_passages
from rag.index.vectors import VectorIndex, best_rows, file_names as vector_files, write_vectors
from rag.types import Chunk, Document

FORMAT_VERSION = 4  # 3: a checksum for every file; 4: SQLite passages, mapped vectors and BM25 columns
FULL_CHECK_BYTES = 64 * 1024 * 1024
_SAMPLE_BLOCKS, _BLOCK = 64, 64 * 1024
_POINTER = "CURRENT"


@dataclass
class IndexData:
    """What a build hands to the store: everything an index holds, in memory."""

    manifest: dict[str, Any]
    documents: list[Document]
    chunks: list[Chunk]  # chunk_id = position
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    sentence_chunks: np.ndarray  # chunk id of each sentence vector, ascending
    vocabulary: list[tuple[str, str]]  # (language, word) of the corpus's words (rag.translation)
    vocabulary_vectors: np.ndarray


class OpenIndex:
    """A generation opened for reading (the embedded backend of rag.index.backend.SearchIndex):
    files mapped, passages read on demand, filters as masks over every chunk."""

    def __init__(self, folder: Path, manifest: dict[str, Any]) -> None:
        self.folder, self.manifest = folder, manifest
        counts = manifest["counts"]
        self.passages = Passages(folder / PASSAGES_FILE, counts["documents"], counts["chunks"])
        self.documents, self.chunks = self.passages.documents, self.passages.chunks
        self.columns = Columns(folder, manifest["counts"]["documents"])
        self.chunk_vectors = VectorIndex(folder, "chunks", manifest["vectors"]["chunks"])
        self.sentence_vectors_index = VectorIndex(folder, "sentences", manifest["vectors"]["sentences"])
        self.sentence_chunks = open_array(folder / "sentence_chunks.npy")
        sizes = {"chunks": len(self.chunks), "documents": len(self.documents), "titles": len(self.documents)}
        self._lexical = {name: lexical.LexicalIndex(folder, name, sizes[name]) for name in LEXICAL_FIELDS}
        self.vocabulary = [(row["language"], row["word"]) for row in _jsonl((folder / "vocabulary.jsonl").read_bytes())]
        self.vocabulary_vectors = open_array(folder / "vocabulary.npy", in_memory=True)

    @property
    def languages(self) -> list[str]:
        return [str(language) for language in self.columns.languages[0]]

    def select(self, filters: dict[str, Any] | None, language: str | None = None) -> "_Mask":
        mask = self.columns.mask(filters)
        if language is not None:
            names, language_of = self.columns.languages
            mask &= np.isin(language_of, np.flatnonzero(names == language))
        return _Mask(mask)

    def blocking(self, filters: dict[str, Any] | None) -> list[str]:
        return self.columns.blocking(filters)

    def counts(self, key: str) -> Counter:
        return self.columns.counts(key)

    def nearest_chunks(self, vector: np.ndarray, k: int, selection: "_Mask") -> tuple[np.ndarray, np.ndarray]:
        # The retriever asks `similarity` for the exact scores of every candidate it fuses: rescoring
        # here as well would read the same scattered rows twice.
        return self.chunk_vectors.nearest(vector, k, selection.narrowing, rescore=False)

    def nearest_sentences(self, vector: np.ndarray, k: int, selection: "_Mask") -> tuple[np.ndarray, np.ndarray]:
        narrowing = None if selection.narrowing is None else selection.mask[np.asarray(self.sentence_chunks)]
        # A sentence's score only lifts its chunk's: the 8-bit codes' scores serve, and no float32 row
        # of the millions of sentences is read.
        ids, scores = self.sentence_vectors_index.nearest(vector, k, narrowing, rescore=False)
        return np.asarray(self.sentence_chunks[ids]), scores

    def similarity(self, vector: np.ndarray, chunk_ids: np.ndarray) -> np.ndarray:
        return self.chunk_vectors.scores(vector, chunk_ids)

    def lexical(self, field: str, terms: list[str], k: int, selection: "_Mask") -> "_Hits":
        scores = self._lexical[field].scores(terms)
        if field != "chunks":  # an article's (or title's) score goes to each of its chunks
            scores = scores[self.columns.chunk_documents]
        return _Hits(np.where(selection.mask, scores, 0.0), k)

    def sentence_vectors(self, chunk_id: int) -> np.ndarray:
        first, last = np.searchsorted(self.sentence_chunks, [chunk_id, chunk_id + 1])
        return np.asarray(self.sentence_vectors_index.rows[first:last])

    def reusable(self, doc_ids: list[str]) -> tuple[list[Chunk], np.ndarray, np.ndarray, np.ndarray]:
        old_chunks = self.chunks.of_documents(doc_ids)
        old_ids = np.array([chunk.chunk_id for chunk in old_chunks], dtype=np.int64)
        new_id = np.full(len(self.chunks), -1, dtype=np.int64)
        new_id[old_ids] = np.arange(len(old_ids))
        owners = new_id[np.asarray(self.sentence_chunks)]
        kept = owners >= 0
        chunks = [replace(chunk, chunk_id=int(new_id[chunk.chunk_id])) for chunk in old_chunks]
        return (chunks, np.asarray(self.chunk_vectors.rows[old_ids]), owners[kept],
                np.asarray(self.sentence_vectors_index.rows[np.flatnonzero(kept)]))


class _Mask:
    """A selection as a boolean mask over every chunk."""

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask
        self.empty = not mask.any()
        self.narrowing = None if mask.all() else mask  # None: nothing to exclude


class _Hits:
    def __init__(self, scores: np.ndarray, k: int) -> None:
        self._scores = scores
        self.ids = best_rows(scores, k)
        self.best = float(scores.max()) if len(scores) else 0.0

    def scores(self, ids: np.ndarray) -> np.ndarray:
        return self._scores[ids]


class IndexStore:
    """Reads and writes one index folder."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)

    def exists(self) -> bool:
        return (self.index_dir / _POINTER).is_file()

    def read(self) -> OpenIndex:
        """The current generation, verified. A generation retired by a build that finished while
        it was being read is read again under the new `CURRENT` (once)."""
        name = self._current_name()
        try:
            return self._read(self._current())
        except IndexCorruptError:
            if self._current_name() == name:
                raise
            return self._read(self._current())

    def verify(self) -> dict[str, str]:
        """Each file of the current generation, read whole, and whether it matches its checksum."""
        folder = self._current()
        manifest = _manifest(folder)
        recorded = manifest.get("files", {})
        states = {}
        for name in _data_files(folder, manifest):
            try:
                _check(folder, name, manifest, whole=True)
                states[name] = "ok"
            except IndexCorruptError:
                states[name] = "no checksum recorded" if name not in recorded else "damaged (checksum differs)"
        return states

    def _read(self, folder: Path) -> OpenIndex:
        try:
            manifest = _manifest(folder)
            if manifest.get("format_version") != FORMAT_VERSION:
                raise IndexCorruptError(f"index at {self.index_dir} has format {manifest.get('format_version')}, "
                                        f"this isnad reads {FORMAT_VERSION}; rebuild it with `isnad index`")
            for name in _checksummed(manifest):
                _check(folder, name, manifest, whole=False)
            data = OpenIndex(folder, manifest)
        except IndexCorruptError:
            raise
        except Exception as error:  # vanished, truncated JSON, damaged array, missing member
            raise IndexCorruptError(f"index at {self.index_dir} is damaged ({type(error).__name__}: {error}); "
                                    f"rebuild it with `isnad index`") from error
        if problem := _inconsistency(data):
            raise IndexCorruptError(f"index at {self.index_dir} is inconsistent ({problem}); "
                                    f"rebuild it with `isnad index`")
        return data

    def write(self, data: IndexData, exact_search_limit: int) -> Path:
        """Write a new generation, then switch CURRENT to it in one atomic rename."""
        self.index_dir.mkdir(parents=True, exist_ok=True)
        folder = self.index_dir / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}"
        folder.mkdir()
        write_passages(folder / PASSAGES_FILE, data.documents, data.chunks)
        write_columns(folder, data.documents, data.chunks)
        data.manifest["vectors"] = {
            "chunks": write_vectors(folder, "chunks", data.chunk_vectors, exact_search_limit),
            "sentences": write_vectors(folder, "sentences", data.sentence_vectors, exact_search_limit)}
        save_array(folder / "sentence_chunks.npy", data.sentence_chunks.astype(np.int64))
        rows = {"chunks": (chunk_terms(chunk) for chunk in data.chunks),
                "documents": (document_terms(document) for document in data.documents),
                "titles": (title_terms(document) for document in data.documents)}
        for name, (k1, b) in lexical.FIELD_BM25.items():
            lexical.write_lexical_index(folder, name, rows[name], k1, b)
        _write_jsonl(folder / "vocabulary.jsonl", ({"language": lang, "word": word} for lang, word in data.vocabulary))
        save_array(folder / "vocabulary.npy", data.vocabulary_vectors.astype(np.float32))
        # Written last: the size and checksum of every other file, checked whenever the index is read.
        data.manifest["files"] = {name: _fingerprint(folder / name) for name in _data_files(folder, data.manifest)}
        (folder / "manifest.json").write_text(json.dumps(data.manifest, ensure_ascii=False, indent=1), "utf-8")
        _fsync_folder(folder)
        self._publish(folder)
        return folder

    def _publish(self, folder: Path) -> None:
        pointer = self.index_dir / f"{_POINTER}.tmp"
        pointer.write_text(folder.name, "utf-8")
        try:
            previous = self._current_name()
        except IndexCorruptError:  # a damaged pointer: this build replaces it
            previous = None
        os.replace(pointer, self.index_dir / _POINTER)
        # The previous generation stays for readers that resolved CURRENT just before the switch;
        # the build after this one retires it.
        self._remove_old_generations(keep={folder.name, previous})

    @contextmanager
    def lock(self) -> Iterator[None]:
        """One writer at a time; a second `isnad index` fails fast instead of interleaving."""
        self.index_dir.mkdir(parents=True, exist_ok=True)
        with open(self.index_dir / ".lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexCorruptError(f"another `isnad index` is writing {self.index_dir}; wait for it") from None
            yield

    def _current_name(self) -> str | None:
        try:
            name = (self.index_dir / _POINTER).read_bytes().decode("utf-8").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            raise IndexCorruptError(f"index at {self.index_dir} has a damaged {_POINTER} file "
                                    f"({type(error).__name__}); rebuild it with `isnad index`") from None
        if not name.startswith("gen-") or "/" in name:
            raise IndexCorruptError(f"index at {self.index_dir} has a damaged {_POINTER} file; "
                                    f"rebuild it with `isnad index`")
        return name

    def _current(self) -> Path:
        name = self._current_name()
        if name is None:
            raise IndexMissingError(f"no index at {self.index_dir}; build one with `isnad index`")
        folder = self.index_dir / name
        missing = [name for name in ("manifest.json", PASSAGES_FILE) if not (folder / name).is_file()]
        if missing:
            raise IndexCorruptError(f"index at {self.index_dir} is missing {', '.join(missing)}; "
                                    f"rebuild it with `isnad index`")
        return folder

    def _remove_old_generations(self, keep: set[str | None]) -> None:
        for folder in self.index_dir.glob("gen-*"):
            if folder.name not in keep:
                shutil.rmtree(folder, ignore_errors=True)


def _manifest(folder: Path) -> dict[str, Any]:
    manifest = json.loads((folder / "manifest.json").read_bytes().decode("utf-8"))
    if not isinstance(manifest, dict):
        raise IndexCorruptError("the manifest is not a JSON object")
    return manifest


def _data_files(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Every file of a generation but the manifest, which records their checksums."""
    vectors = manifest.get("vectors", {})
    return [PASSAGES_FILE, *column_files(folder), *vector_files("chunks", vectors.get("chunks", {})),
            *vector_files("sentences", vectors.get("sentences", {})), "sentence_chunks.npy",
            *(name for field in LEXICAL_FIELDS for name in lexical.file_names(field)),
            "vocabulary.jsonl", "vocabulary.npy"]


def _checksummed(manifest: dict[str, Any]) -> list[str]:
    files = manifest.get("files")
    if not isinstance(files, dict) or PASSAGES_FILE not in files:
        raise IndexCorruptError("the manifest records no checksums")
    return list(files)


def _check(folder: Path, name: str, manifest: dict[str, Any], whole: bool) -> None:
    expected = manifest.get("files", {}).get(name)
    path = folder / name
    if not isinstance(expected, dict) or not path.is_file() or path.stat().st_size != expected.get("size"):
        actual = None
    else:
        actual = _fingerprint(path, whole or expected["size"] <= FULL_CHECK_BYTES)
    if actual is None or any(value != expected.get(key) for key, value in actual.items()):
        raise IndexCorruptError(f"index at {folder.parent} is damaged ({name} does not match its checksum); "
                                f"`isnad index` rebuilds it")


def _fingerprint(path: Path, whole: bool = True) -> dict[str, Any]:
    """Size, SHA-256 of the whole file, and SHA-256 of evenly spaced blocks (the quick check)."""
    size = path.stat().st_size
    sampled = hashlib.sha256()
    with open(path, "rb") as handle:
        for offset in sorted({int(i * max(size - _BLOCK, 0) / max(_SAMPLE_BLOCKS - 1, 1)) for i in range(_SAMPLE_BLOCKS)}):
            handle.seek(offset)
            sampled.update(handle.read(_BLOCK))
    fingerprint = {"size": size, "sample_sha256": sampled.hexdigest()}
    if whole:
        whole_digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while block := handle.read(1 << 22):
                whole_digest.update(block)
        fingerprint["sha256"] = whole_digest.hexdigest()
    return fingerprint


def _inconsistency(data: OpenIndex) -> str | None:
    """What does not fit together, or None: guards an index whose checksums were rewritten too."""
    manifest, counts = data.manifest, data.manifest.get("counts", {})
    if not isinstance(manifest.get("embedding_model"), str) or not isinstance(manifest.get("dimension"), int):
        return "the manifest names no embedding model or dimension"
    if data.passages.last_rows() != (counts["documents"] - 1, counts["chunks"] - 1):
        return "the manifest's counts differ from the passages stored"
    if len(data.chunk_vectors) != len(data.chunks) or len(data.sentence_vectors_index) != len(data.sentence_chunks) \
            or len(data.columns.chunk_documents) != len(data.chunks):
        return "vector and chunk counts differ"
    if len(data.vocabulary_vectors) != len(data.vocabulary):
        return "vocabulary and its vectors differ in length"
    if {data.chunk_vectors.dimension, data.sentence_vectors_index.dimension} != {manifest["dimension"]}:
        return f"vectors are not of the manifest's dimension {manifest['dimension']}"
    owners = data.sentence_chunks
    if len(owners) and not (0 <= int(owners[0]) and int(owners[-1]) < len(data.chunks) and bool(np.all(np.diff(owners) >= 0))):
        return "a sentence belongs to a chunk that does not exist"
    chunk_documents = data.columns.chunk_documents
    if len(chunk_documents) and not 0 <= int(chunk_documents.min()) <= int(chunk_documents.max()) < len(data.documents):
        return "a chunk names a document that does not exist"
    return None


def _jsonl(content: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in content.decode("utf-8").splitlines() if line.strip()]


def _write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def _fsync_folder(folder: Path) -> None:
    for name in ["manifest.json", *_data_files(folder, _manifest(folder))]:
        with open(folder / name, "rb") as handle:
            os.fsync(handle.fileno())
