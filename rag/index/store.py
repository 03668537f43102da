"""The on-disk index: FAISS vector files, JSON/JSONL for chunks and documents, a manifest.

No pickle anywhere: FAISS's own format, NumPy arrays loaded with allow_pickle=False, and JSON,
so an index received from someone else is safe to open.

Writes are atomic: each build goes to a fresh `gen-*` folder, and only when every file is on
disk does `CURRENT` (replaced with os.replace) point at it. A crash or kill mid-build leaves
the previous generation current and usable. The generation before stays one more build, for
readers that resolved `CURRENT` just before the switch.

The manifest records the SHA-256 of every other file; a read checks each file it loads, so
damaged vectors or edited chunk text are refused (and `isnad index` rebuilds) rather than
silently ranking wrong.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
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

FORMAT_VERSION = 3  # 2: the vocabulary for query translation; 3: a checksum for every file
_POINTER = "CURRENT"
_FILES = ("manifest.json", "documents.jsonl", "chunks.jsonl", "chunks.faiss", "sentences.faiss", "sentence_chunks.npy",
          "vocabulary.jsonl", "vocabulary.npy")
_CHECKSUMMED = _FILES[1:]  # every file but the manifest, which records their checksums


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
        """Each file of the current generation and whether it matches its recorded checksum."""
        folder = self._current()
        recorded = _manifest(folder).get("files", {})
        return {name: ("ok" if _digest((folder / name).read_bytes()) == recorded.get(name) else
                       "no checksum recorded" if name not in recorded else "damaged (checksum differs)")
                for name in _CHECKSUMMED}

    def _read(self, folder: Path) -> IndexData:
        import faiss

        try:
            manifest = _manifest(folder)
            if manifest.get("format_version") != FORMAT_VERSION:
                raise IndexCorruptError(f"index at {self.index_dir} has format {manifest.get('format_version')}, "
                                        f"this isnad reads {FORMAT_VERSION}; rebuild it with `isnad index`")
            files = {name: _verified(folder, name, manifest) for name in _CHECKSUMMED}
            documents = {doc.id: doc for doc in map(_document, _jsonl(files["documents.jsonl"]))}
            chunks = [Chunk(**row) for row in _jsonl(files["chunks.jsonl"])]
            chunk_vectors = faiss.deserialize_index(np.frombuffer(files["chunks.faiss"], dtype=np.uint8))
            sentence_vectors = faiss.deserialize_index(np.frombuffer(files["sentences.faiss"], dtype=np.uint8))
            sentence_chunks = np.load(io.BytesIO(files["sentence_chunks.npy"]), allow_pickle=False)
            vocabulary = [(row["language"], row["word"]) for row in _jsonl(files["vocabulary.jsonl"])]
            vocabulary_vectors = np.load(io.BytesIO(files["vocabulary.npy"]), allow_pickle=False)
        except IndexCorruptError:
            raise
        except Exception as error:  # vanished, truncated JSON, damaged FAISS file, missing member
            raise IndexCorruptError(f"index at {self.index_dir} is damaged ({type(error).__name__}: {error}); "
                                    f"rebuild it with `isnad index`") from error
        data = IndexData(manifest, documents, chunks, chunk_vectors, sentence_vectors, sentence_chunks,
                         vocabulary, vocabulary_vectors)
        if problem := _inconsistency(data):
            raise IndexCorruptError(f"index at {self.index_dir} is inconsistent ({problem}); "
                                    f"rebuild it with `isnad index`")
        return data

    def write(self, data: IndexData) -> Path:
        """Write a new generation, then switch CURRENT to it in one atomic rename."""
        import faiss

        self.index_dir.mkdir(parents=True, exist_ok=True)
        folder = self.index_dir / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}"
        folder.mkdir()
        _write_jsonl(folder / "documents.jsonl", (_document_row(doc) for doc in data.documents.values()))
        _write_jsonl(folder / "chunks.jsonl", (chunk.to_dict() for chunk in data.chunks))
        faiss.write_index(data.chunk_vectors, str(folder / "chunks.faiss"))
        faiss.write_index(data.sentence_vectors, str(folder / "sentences.faiss"))
        np.save(folder / "sentence_chunks.npy", data.sentence_chunks.astype(np.int64), allow_pickle=False)
        _write_jsonl(folder / "vocabulary.jsonl", ({"language": lang, "word": word} for lang, word in data.vocabulary))
        np.save(folder / "vocabulary.npy", data.vocabulary_vectors.astype(np.float32), allow_pickle=False)
        # Written last: the checksum of every other file, checked whenever the index is read.
        data.manifest["files"] = {name: _digest((folder / name).read_bytes()) for name in _CHECKSUMMED}
        (folder / "manifest.json").write_text(json.dumps(data.manifest, ensure_ascii=False, indent=1), "utf-8")
        _fsync_folder(folder)
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
        missing = [name for name in _FILES if not (folder / name).is_file()]
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


def _verified(folder: Path, name: str, manifest: dict[str, Any]) -> bytes:
    content = (folder / name).read_bytes()
    expected = manifest.get("files", {}).get(name)
    if expected is None or _digest(content) != expected:
        raise IndexCorruptError(f"index at {folder.parent} is damaged ({name} does not match its checksum); "
                                f"`isnad index` rebuilds it")
    return content


def _inconsistency(data: IndexData) -> str | None:
    """What does not fit together, or None: guards an index whose checksums were rewritten too."""
    manifest = data.manifest
    if not isinstance(manifest.get("embedding_model"), str) or not isinstance(manifest.get("dimension"), int):
        return "the manifest names no embedding model or dimension"
    if data.chunk_vectors.ntotal != len(data.chunks) or data.sentence_vectors.ntotal != len(data.sentence_chunks):
        return "vector and chunk counts differ"
    if len(data.vocabulary_vectors) != len(data.vocabulary):
        return "vocabulary and its vectors differ in length"
    if {data.chunk_vectors.d, data.sentence_vectors.d} != {manifest["dimension"]}:
        return f"vectors are not of the manifest's dimension {manifest['dimension']}"
    if len(data.sentence_chunks) and not 0 <= int(data.sentence_chunks.min()) <= int(data.sentence_chunks.max()) < len(data.chunks):
        return "a sentence belongs to a chunk that does not exist"
    if any(chunk.doc_id not in data.documents for chunk in data.chunks):
        return "a chunk names a document that does not exist"
    return None


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _jsonl(content: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in content.decode("utf-8").splitlines() if line.strip()]


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
