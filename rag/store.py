"""The on-disk index: FAISS vector files, JSON/JSONL for chunks and documents, a manifest.

No pickle anywhere: FAISS's own format, NumPy arrays loaded with allow_pickle=False, and JSON,
so an index received from someone else is safe to open.

Writes are atomic: each build goes to a fresh `gen-*` folder, and only when every file is on
disk does `CURRENT` (replaced with os.replace) point at it. A crash or kill mid-build leaves
the previous generation current and usable.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from rag.errors import IndexCorruptError, IndexMissingError
from rag.types import Chunk, Document

if TYPE_CHECKING:
    import faiss

FORMAT_VERSION = 2  # 2: the vocabulary for query translation
_POINTER = "CURRENT"
_FILES = ("manifest.json", "documents.jsonl", "chunks.jsonl", "chunks.faiss", "sentences.faiss", "sentence_chunks.npy",
          "vocabulary.jsonl", "vocabulary.npy")


@dataclass
class IndexData:
    """Everything an index holds, in memory."""

    manifest: dict[str, Any]
    documents: dict[str, Document]
    chunks: list[Chunk]
    chunk_vectors: "faiss.Index"
    sentence_vectors: "faiss.Index"
    sentence_chunks: np.ndarray  # chunk id of each sentence vector
    vocabulary: list[tuple[str, str]]  # (language, word) of the corpus's words (rag.translation)
    vocabulary_vectors: np.ndarray


class IndexStore:
    """Reads and writes one index folder."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)

    def exists(self) -> bool:
        return (self.index_dir / _POINTER).is_file()

    def read(self) -> IndexData:
        import faiss

        folder = self._current()
        try:
            manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
            if manifest.get("format_version") != FORMAT_VERSION:
                raise IndexCorruptError(f"index at {self.index_dir} has format {manifest.get('format_version')}, "
                                        f"this isnad reads {FORMAT_VERSION}; rebuild it with `isnad index`")
            documents = {doc.id: doc for doc in map(_document, _read_jsonl(folder / "documents.jsonl"))}
            chunks = [Chunk(**row) for row in _read_jsonl(folder / "chunks.jsonl")]
            chunk_vectors = faiss.read_index(str(folder / "chunks.faiss"))
            sentence_vectors = faiss.read_index(str(folder / "sentences.faiss"))
            sentence_chunks = np.load(folder / "sentence_chunks.npy", allow_pickle=False)
            vocabulary = [(row["language"], row["word"]) for row in _read_jsonl(folder / "vocabulary.jsonl")]
            vocabulary_vectors = np.load(folder / "vocabulary.npy", allow_pickle=False)
        except IndexCorruptError:
            raise
        except Exception as error:  # truncated JSON, damaged FAISS file, missing member
            raise IndexCorruptError(f"index at {self.index_dir} is damaged ({type(error).__name__}: {error}); "
                                    f"rebuild it with `isnad index`") from error
        if (chunk_vectors.ntotal != len(chunks) or sentence_vectors.ntotal != len(sentence_chunks)
                or len(vocabulary_vectors) != len(vocabulary)):
            raise IndexCorruptError(f"index at {self.index_dir} is inconsistent (vector and chunk counts differ); "
                                    f"rebuild it with `isnad index`")
        return IndexData(manifest, documents, chunks, chunk_vectors, sentence_vectors, sentence_chunks,
                         vocabulary, vocabulary_vectors)

    def write(self, data: IndexData) -> Path:
        """Write a new generation, then switch CURRENT to it in one atomic rename."""
        import faiss

        self.index_dir.mkdir(parents=True, exist_ok=True)
        folder = self.index_dir / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}"
        folder.mkdir()
        (folder / "manifest.json").write_text(json.dumps(data.manifest, ensure_ascii=False, indent=1), "utf-8")
        _write_jsonl(folder / "documents.jsonl", (_document_row(doc) for doc in data.documents.values()))
        _write_jsonl(folder / "chunks.jsonl", (chunk.to_dict() for chunk in data.chunks))
        faiss.write_index(data.chunk_vectors, str(folder / "chunks.faiss"))
        faiss.write_index(data.sentence_vectors, str(folder / "sentences.faiss"))
        np.save(folder / "sentence_chunks.npy", data.sentence_chunks.astype(np.int64), allow_pickle=False)
        _write_jsonl(folder / "vocabulary.jsonl", ({"language": lang, "word": word} for lang, word in data.vocabulary))
        np.save(folder / "vocabulary.npy", data.vocabulary_vectors.astype(np.float32), allow_pickle=False)
        _fsync_folder(folder)
        pointer = self.index_dir / f"{_POINTER}.tmp"
        pointer.write_text(folder.name, "utf-8")
        os.replace(pointer, self.index_dir / _POINTER)
        self._remove_old_generations(keep=folder.name)
        return folder

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

    def _current(self) -> Path:
        pointer = self.index_dir / _POINTER
        if not pointer.is_file():
            raise IndexMissingError(f"no index at {self.index_dir}; build one with `isnad index`")
        folder = self.index_dir / pointer.read_text("utf-8").strip()
        missing = [name for name in _FILES if not (folder / name).is_file()]
        if missing:
            raise IndexCorruptError(f"index at {self.index_dir} is missing {', '.join(missing)}; "
                                    f"rebuild it with `isnad index`")
        return folder

    def _remove_old_generations(self, keep: str) -> None:
        for folder in self.index_dir.glob("gen-*"):
            if folder.name != keep:
                shutil.rmtree(folder, ignore_errors=True)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def _document_row(document: Document) -> dict[str, Any]:
    return {"id": document.id, "title": document.title, "text": document.text, "language": document.language,
            "metadata": document.metadata, "content_hash": document.content_hash}


def _document(row: dict[str, Any]) -> Document:
    return Document(**row)


def _fsync_folder(folder: Path) -> None:
    for name in _FILES:
        with open(folder / name, "rb") as handle:
            os.fsync(handle.fileno())
