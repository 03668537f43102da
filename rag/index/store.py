"""The on-disk index: immutable segments, and generations that say which segments make the
index and which of their documents are deleted.

    segments/seg-*/              one segment each (rag.index.segment), written once, shared by generations
    gen-*/manifest.json          settings, the segments in order with their counts, checksums
    gen-*/deleted.seg-*.npy      per segment, which of its documents this generation has deleted
    gen-*/vocabulary.jsonl, .npy the corpus's words for query translation (light encoder only)
    CURRENT                      the name of the current generation

An update writes a segment of what is new and a generation that deletes what it replaces: the
segments that did not change are not rewritten (adding 100 articles to a million-chunk index
writes a few hundred chunks, not a million). Past MAX_SEGMENTS segments, the smaller ones are
merged into one, vectors copied and nothing embedded again, so a search never visits many.

Opening reads the manifests and maps the rest, so it takes well under a second at any size. No
pickle anywhere: NumPy with allow_pickle=False, FAISS's own format, SQLite and JSON, so an index
received from someone else is safe to open.

Writes are atomic: a build writes its segment and its `gen-*` folder, and only when every file is
on disk does `CURRENT` (replaced with os.replace) point at the generation. A crash or kill
mid-build leaves the previous generation current and usable. The generation before stays one
more build, for readers that resolved `CURRENT` just before the switch; segments no kept
generation names are removed then.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from rag.errors import IndexCorruptError, IndexMissingError
from rag.index import checksums
from rag.index.arrays import open_array, save_array
from rag.index.backend import ChunkSequence
from rag.index.filters import active
from rag.index.lexical import FIELD_BM25, LexicalIndex
from rag.index.segment import SEGMENT_FILE, SegmentData, Segment, open_segment, write_segment
from rag.index.vectors import best_rows
from rag.types import Chunk, Document

FORMAT_VERSION = 5  # 3: checksums; 4: SQLite passages, mapped vectors and BM25 columns; 5: segments
MAX_SEGMENTS = 8
MERGE_CHUNKS = 250_000
_POINTER = "CURRENT"
_SEGMENTS = "segments"


@dataclass
class IndexData:
    """What a full build hands to the store: everything an index holds, in memory."""

    manifest: dict[str, Any]
    documents: list[Document]
    chunks: list[Chunk]  # chunk_id = position
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    sentence_chunks: np.ndarray  # chunk id of each sentence vector, ascending
    vocabulary: list[tuple[str, str]]  # (language, word) of the corpus's words (rag.translation)
    vocabulary_vectors: np.ndarray

    @classmethod
    def of(cls, manifest: dict[str, Any], segment: SegmentData, vocabulary: list[tuple[str, str]],
           vocabulary_vectors: np.ndarray) -> "IndexData":
        return cls(manifest, segment.documents, segment.chunks, segment.chunk_vectors, segment.sentence_vectors,
                   segment.sentence_chunks, vocabulary, vocabulary_vectors)

    @property
    def segment(self) -> SegmentData:
        return SegmentData(self.documents, self.chunks, self.chunk_vectors, self.sentence_vectors, self.sentence_chunks)


@dataclass
class Update:
    """The next generation: segments staged for it (what the store's `stage` returned), the ids of
    stored documents it deletes, and whether the previous generation's segments stay."""

    manifest: dict[str, Any]
    staged: list
    removed: set[str] = field(default_factory=set)
    vocabulary: list[tuple[str, str]] = field(default_factory=list)
    vocabulary_vectors: np.ndarray | None = None
    keep_previous: bool = True


class OpenIndex:
    """A generation opened for reading (the embedded backend of rag.index.backend.SearchIndex): its
    segments one after another, chunk ids offset by the chunks before; deleted documents are
    outside every selection and outside BM25's statistics."""

    def __init__(self, folder: Path, manifest: dict[str, Any], segments: list[Segment]) -> None:
        self.folder, self.manifest, self.segments = folder, manifest, segments
        self.deleted = [open_array(folder / entry["deleted"], in_memory=True) if entry.get("deleted") else None
                        for entry in manifest["segments"]]
        self.chunk_offsets = np.cumsum([0] + [len(segment.chunks) for segment in segments])
        self.document_offsets = np.cumsum([0] + [len(segment.documents) for segment in segments])
        self.documents = _LiveDocuments(self)
        self.chunks = _Chunks(self)
        self.vocabulary = [(row["language"], row["word"]) for row in _jsonl((folder / "vocabulary.jsonl").read_bytes())]
        self.vocabulary_vectors = open_array(folder / "vocabulary.npy", in_memory=True)

    @cached_property
    def live_chunks(self) -> list[np.ndarray | None]:
        """Per segment, which chunks belong to documents not deleted (None: all of them)."""
        return [None if deleted is None else ~deleted[np.asarray(segment.columns.chunk_documents)]
                for segment, deleted in zip(self.segments, self.deleted)]

    @cached_property
    def chunk_documents(self) -> np.ndarray:
        """The document of each chunk, as a row over all segments' documents."""
        return np.concatenate([np.asarray(segment.columns.chunk_documents, np.int64) + offset for segment, offset
                               in zip(self.segments, self.document_offsets)] or [np.zeros(0, np.int64)])

    @cached_property
    def _lexical(self) -> dict[str, LexicalIndex]:
        live = {"chunks": self.live_chunks, "documents": [None if d is None else ~d for d in self.deleted]}
        live["titles"] = live["documents"]
        return {name: LexicalIndex([segment.lexical[name] for segment in self.segments], k1, b, live[name])
                for name, (k1, b) in FIELD_BM25.items()}

    @property
    def languages(self) -> list[str]:
        return sorted({str(language) for segment in self.segments for language in segment.columns.languages[0]})

    def select(self, filters: dict[str, Any] | None, language: str | None = None) -> "_Mask":
        parts = []
        for segment, live in zip(self.segments, self.live_chunks):
            mask = segment.columns.mask(filters)
            if language is not None:
                mask &= segment.columns.in_language(language)
            parts.append(mask if live is None else mask & live)
        return _Mask(parts)

    def blocking(self, filters: dict[str, Any] | None) -> list[str]:
        """When the filters together leave no passage: the ones that alone leave none (to loosen),
        else all of them (only their combination excludes everything). Empty when something is left."""
        if not self.select(filters).empty:
            return []
        wanted = active(filters)
        alone = [key for key, value in wanted.items() if self.select({key: value}).empty]
        return alone or list(wanted)

    def counts(self, key: str) -> Counter:
        total = Counter()
        for segment, deleted in zip(self.segments, self.deleted):
            total.update(segment.columns.counts(key, None if deleted is None else ~deleted))
        return total

    def nearest_chunks(self, vector: np.ndarray, k: int, selection: "_Mask") -> tuple[np.ndarray, np.ndarray]:
        # The retriever asks `similarity` for the exact scores of every candidate it fuses: rescoring
        # here as well would read the same scattered rows twice.
        return self._merged(selection, lambda segment, narrowing:
                            segment.chunk_vectors.nearest(vector, k, narrowing, rescore=False), k)

    def nearest_sentences(self, vector: np.ndarray, k: int, selection: "_Mask") -> tuple[np.ndarray, np.ndarray]:
        def nearest(segment: Segment, narrowing: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
            owners = np.asarray(segment.sentence_chunks)
            ids, scores = segment.sentence_vectors.nearest(vector, k, None if narrowing is None else narrowing[owners])
            return owners[ids], scores
        return self._merged(selection, nearest, k)

    def similarity(self, vector: np.ndarray, chunk_ids: np.ndarray) -> np.ndarray:
        chunk_ids = np.asarray(chunk_ids, np.int64)
        scores = np.zeros(len(chunk_ids), np.float32)
        owner = np.searchsorted(self.chunk_offsets, chunk_ids, side="right") - 1
        for i in np.unique(owner):
            inside = owner == i
            scores[inside] = self.segments[i].chunk_vectors.scores(vector, chunk_ids[inside] - self.chunk_offsets[i])
        return scores

    def lexical(self, field: str, terms: list[str], k: int, selection: "_Mask") -> "_Hits":
        scores = self._lexical[field].scores(terms)
        if field != "chunks":  # an article's (or title's) score goes to each of its chunks
            scores = scores[self.chunk_documents]
        return _Hits(np.where(selection.mask, scores, 0.0), k)

    def sentence_vectors(self, chunk_id: int) -> np.ndarray:
        segment, local = self._locate(chunk_id)
        return np.asarray(segment.sentence_vectors.rows[segment.sentence_rows(local)], dtype=np.float32)

    def reusable(self, doc_ids: list[str]) -> SegmentData:
        wanted = set(doc_ids)
        return SegmentData.joined([segment.data(deleted, wanted) for segment, deleted in zip(self.segments, self.deleted)],
                                  int(self.manifest["dimension"]))

    def content_hashes(self) -> dict[str, str]:
        """The content hash of every live document, by id (what an update compares the corpus with)."""
        hashes = {}
        for segment, deleted in zip(self.segments, self.deleted):
            for row, doc_id, content_hash in segment.passages.query("SELECT row, id, content_hash FROM documents"):
                if deleted is None or not deleted[row]:
                    hashes[doc_id] = content_hash
        return hashes

    def _merged(self, selection: "_Mask", nearest, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Each segment's k best within the selection, offset to index ids; the k best of them all."""
        ids, scores = [], []
        for segment, offset, mask in zip(self.segments, self.chunk_offsets, selection.parts):
            if mask.any():
                found, found_scores = nearest(segment, None if mask.all() else mask)
                ids.append(found + offset)
                scores.append(found_scores)
        if not ids:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        ids, scores = np.concatenate(ids), np.concatenate(scores)
        top = best_rows(scores, k)
        return ids[top].astype(np.int64), scores[top].astype(np.float32)

    def _locate(self, chunk_id: int) -> tuple[Segment, int]:
        i = int(np.searchsorted(self.chunk_offsets, chunk_id, side="right")) - 1
        return self.segments[i], int(chunk_id - self.chunk_offsets[i])


class _Mask:
    """A selection as a boolean mask over every chunk, kept per segment."""

    def __init__(self, parts: list[np.ndarray]) -> None:
        self.parts = parts
        self.empty = not any(part.any() for part in parts)

    @cached_property
    def mask(self) -> np.ndarray:
        return np.concatenate(self.parts) if self.parts else np.zeros(0, bool)


class _Hits:
    def __init__(self, scores: np.ndarray, k: int) -> None:
        self._scores = scores
        self.ids = best_rows(scores, k)
        self.best = float(scores.max()) if len(scores) else 0.0

    def scores(self, ids: np.ndarray) -> np.ndarray:
        return self._scores[ids]


class _Chunks(ChunkSequence):
    """Every segment's chunks one after another, deleted ones included (selections leave them out)."""

    def __init__(self, index: OpenIndex) -> None:
        super().__init__(int(index.chunk_offsets[-1]))
        self._index = index

    def _fetch(self, start: int, stop: int) -> list[Chunk]:
        found = []
        offsets = self._index.chunk_offsets
        for segment, first, last in zip(self._index.segments, offsets[:-1], offsets[1:]):
            if start < last and first < stop:
                found += [_shifted(chunk, int(first)) for chunk in
                          segment.chunks[max(start, first) - first:min(stop, last) - first]]
        return found


def _shifted(chunk: Chunk, offset: int) -> Chunk:
    return replace(chunk, chunk_id=chunk.chunk_id + offset) if offset else chunk


class _LiveDocuments(Mapping):
    """The documents of every segment that this generation has not deleted, by id."""

    def __init__(self, index: OpenIndex) -> None:
        self._index = index
        self._size = int(index.manifest["counts"]["documents"])

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, doc_id: str) -> Document:
        for segment, deleted in zip(self._index.segments, self._index.deleted):
            rows = segment.passages.query("SELECT row FROM documents WHERE id = ?", (doc_id,)) \
                if isinstance(doc_id, str) else []
            if rows and (deleted is None or not deleted[rows[0][0]]):
                return segment.documents[doc_id]
        raise KeyError(doc_id)

    def __contains__(self, doc_id: object) -> bool:
        try:
            self[doc_id]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        for segment, deleted in zip(self._index.segments, self._index.deleted):
            for row, doc_id in segment.passages.query("SELECT row, id FROM documents ORDER BY row"):
                if deleted is None or not deleted[row]:
                    yield doc_id

    def values(self):
        return (self[doc_id] for doc_id in self)


class IndexStore:
    """Reads and writes one index folder."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)

    @property
    def scratch(self) -> Path:
        """Where a build keeps what must outlive it if it is killed (rag.index.checkpoint)."""
        return self.index_dir / "pending"

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
        states = checksums.states(folder, _generation_files(manifest), manifest.get("files", {}))
        for entry in manifest.get("segments", []):
            segment = self._segment_folder(entry)
            recorded = json.loads((segment / SEGMENT_FILE).read_text("utf-8"))["files"]
            states.update({f"{segment.name}/{name}": state
                           for name, state in checksums.states(segment, list(recorded), recorded).items()})
        return states

    def _read(self, folder: Path) -> OpenIndex:
        try:
            manifest = _manifest(folder)
            if manifest.get("format_version") != FORMAT_VERSION:
                raise IndexCorruptError(f"index at {self.index_dir} has format {manifest.get('format_version')}, "
                                        f"this isnad reads {FORMAT_VERSION}; rebuild it with `isnad index`")
            recorded = manifest.get("files")
            if not isinstance(recorded, dict) or "vocabulary.npy" not in recorded:
                raise IndexCorruptError("the manifest records no checksums")
            for name in recorded:
                checksums.check(folder, name, recorded, whole=False)
            segments = [open_segment(self._segment_folder(entry)) for entry in manifest["segments"]]
            data = OpenIndex(folder, manifest, segments)
        except IndexCorruptError:
            raise
        except Exception as error:  # vanished, truncated JSON, damaged array, missing member
            raise IndexCorruptError(f"index at {self.index_dir} is damaged ({type(error).__name__}: {error}); "
                                    f"rebuild it with `isnad index`") from error
        if problem := _inconsistency(data):
            raise IndexCorruptError(f"index at {self.index_dir} is inconsistent ({problem}); "
                                    f"rebuild it with `isnad index`")
        return data

    def write(self, data: IndexData, exact_search_limit: int) -> dict[str, Any]:
        """Write the whole index as one new segment and a generation of it alone."""
        update = Update(data.manifest, [self.stage(data.segment, exact_search_limit)], keep_previous=False,
                        vocabulary=data.vocabulary, vocabulary_vectors=data.vocabulary_vectors)
        return self.update(None, update, exact_search_limit)

    def stage(self, data: SegmentData, exact_search_limit: int) -> str | None:
        """Write a segment for the next generation (no reader sees it before `update` publishes
        it; a killed build's are removed by the next). None for no documents."""
        if not data.documents:
            return None
        name = f"seg-{_stamp()}"
        write_segment(self._segments / name, data, exact_search_limit)
        return name

    def update(self, previous: OpenIndex | None, update: Update, exact_search_limit: int) -> dict[str, Any]:
        """Publish the staged segments beside the previous ones (minus what the update deletes),
        merging if the segments are many."""
        kept = [(segment.name, _deleted(segment, deleted, update.removed))
                for segment, deleted in zip(previous.segments, previous.deleted)] \
            if previous is not None and update.keep_previous else []
        kept += [(name, None) for name in update.staged if name is not None]
        kept = self._merged(kept, int(update.manifest["dimension"]), exact_search_limit)
        return self._write_generation(update.manifest, kept, update.vocabulary, update.vocabulary_vectors)

    @staticmethod
    def summary(index: OpenIndex) -> dict[str, Any]:
        """What a build reports: live chunks, and the vector index kinds of the segments."""
        live = sum(len(segment.chunks) if alive is None else int(alive.sum())
                   for segment, alive in zip(index.segments, index.live_chunks))
        kinds = [segment.entry["vectors"]["chunks"]["kind"] for segment in index.segments]
        return {"chunks": live, "vector_index": " + ".join(dict.fromkeys(kinds)), "segments": len(kinds)}

    def _merged(self, segments: list[tuple[str, np.ndarray | None]], dimension: int,
                exact_search_limit: int) -> list[tuple[str, np.ndarray | None]]:
        """A segment mostly deleted is rewritten with its live documents only; past MAX_SEGMENTS the
        smallest segments are merged into one. Either way never more than MERGE_CHUNKS chunks at
        once (a merge holds their vectors in memory): an index of many large segments keeps them."""
        counts = [self._counts(name) for name, _ in segments]
        live_share = [1.0 if deleted is None else 1 - float(deleted.mean()) if len(deleted) else 0.0
                      for _, deleted in segments]
        size = [count["chunks"] * share for count, share in zip(counts, live_share)]
        merge = {i for i, share in enumerate(live_share) if share < 0.5 and size[i] <= MERGE_CHUNKS}
        if len(segments) - len(merge) > MAX_SEGMENTS:
            smallest, total = [], sum(size[i] for i in merge)
            for i in sorted(set(range(len(segments))) - merge, key=lambda i: size[i]):
                if total + size[i] > MERGE_CHUNKS:
                    break
                smallest.append(i)
                total += size[i]
            merge |= set(smallest) if len(smallest) + len(merge) >= 2 else set()
        if not merge:
            return segments
        joined = SegmentData.joined([Segment(self._segments / segments[i][0]).data(segments[i][1])
                                     for i in sorted(merge)], dimension)
        kept = [segment for i, segment in enumerate(segments) if i not in merge]
        return kept + ([(self.stage(joined, exact_search_limit), None)] if joined.documents else [])

    def _counts(self, name: str) -> dict[str, int]:
        return json.loads((self._segments / name / SEGMENT_FILE).read_text("utf-8"))["counts"]

    @property
    def _segments(self) -> Path:
        return self.index_dir / _SEGMENTS

    def _segment_folder(self, entry: dict[str, Any]) -> Path:
        name = entry["name"]
        if not name.startswith("seg-") or "/" in name:
            raise IndexCorruptError(f"index at {self.index_dir} names a segment {name!r} outside it")
        return self._segments / name

    def _write_generation(self, manifest: dict[str, Any], segments: list[tuple[str, np.ndarray | None]],
                          vocabulary: list[tuple[str, str]], vocabulary_vectors: np.ndarray) -> dict[str, Any]:
        """Write a generation of these segments, then switch CURRENT to it in one atomic rename."""
        folder = self.index_dir / f"gen-{_stamp()}"
        folder.mkdir(parents=True)
        entries, live_documents = [], 0
        for name, deleted in segments:
            counts = self._counts(name)
            entry = {"name": name, **counts, "deleted": None}
            if deleted is not None and deleted.any():
                entry["deleted"] = f"deleted.{name}.npy"
                save_array(folder / entry["deleted"], deleted.astype(bool))
            live_documents += counts["documents"] - (0 if entry["deleted"] is None else int(deleted.sum()))
            entries.append(entry)
        manifest = {**manifest, "segments": entries,
                    "counts": {"documents": live_documents, "chunks": sum(entry["chunks"] for entry in entries)}}
        _write_jsonl(folder / "vocabulary.jsonl", ({"language": lang, "word": word} for lang, word in vocabulary))
        save_array(folder / "vocabulary.npy", np.asarray(vocabulary_vectors, np.float32))
        names = _generation_files(manifest)
        # Written last: the size and checksum of every other file, checked whenever the index is read.
        manifest["files"] = checksums.fingerprints(folder, names)
        (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
        checksums.fsync_files(folder, ["manifest.json", *names])
        self._publish(folder)
        return self.summary(self._read(folder))

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
        self._remove_unused(keep={folder.name, previous})

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
        if not (folder / "manifest.json").is_file():
            raise IndexCorruptError(f"index at {self.index_dir} is missing manifest.json; "
                                    f"rebuild it with `isnad index`")
        return folder

    def _remove_unused(self, keep: set[str | None]) -> None:
        """Generations other than `keep`, and segments that no kept generation names (a killed
        build's among them)."""
        used = set()
        for folder in self.index_dir.glob("gen-*"):
            if folder.name not in keep:
                shutil.rmtree(folder, ignore_errors=True)
                continue
            try:
                used |= {entry["name"] for entry in _manifest(folder).get("segments", [])}
            except (OSError, ValueError, IndexCorruptError):
                continue
        for folder in self._segments.glob("seg-*"):
            if folder.name not in used:
                shutil.rmtree(folder, ignore_errors=True)


def _deleted(segment: Segment, deleted: np.ndarray | None, removed: set[str]) -> np.ndarray | None:
    """The segment's deleted documents, with those of `removed` it holds added."""
    if not removed:
        return deleted
    rows = [row for row, doc_id in segment.passages.query("SELECT row, id FROM documents") if doc_id in removed]
    if not rows:
        return deleted
    marked = np.zeros(len(segment.documents), bool) if deleted is None else deleted.copy()
    marked[rows] = True
    return marked


def _stamp() -> str:
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}"


def _manifest(folder: Path) -> dict[str, Any]:
    manifest = json.loads((folder / "manifest.json").read_bytes().decode("utf-8"))
    if not isinstance(manifest, dict):
        raise IndexCorruptError("the manifest is not a JSON object")
    return manifest


def _generation_files(manifest: dict[str, Any]) -> list[str]:
    """Every file of a generation but the manifest, which records their checksums."""
    return ["vocabulary.jsonl", "vocabulary.npy",
            *(entry["deleted"] for entry in manifest.get("segments", []) if entry.get("deleted"))]


def _inconsistency(data: OpenIndex) -> str | None:
    """What does not fit together, or None: guards an index whose checksums were rewritten too."""
    manifest = data.manifest
    if not isinstance(manifest.get("embedding_model"), str) or not isinstance(manifest.get("dimension"), int):
        return "the manifest names no embedding model or dimension"
    if len(data.vocabulary_vectors) != len(data.vocabulary):
        return "vocabulary and its vectors differ in length"
    for segment, entry, deleted in zip(data.segments, manifest["segments"], data.deleted):
        if entry.get("chunks") != len(segment.chunks) or entry.get("documents") != len(segment.documents):
            return f"segment {segment.name} differs from the manifest's counts"
        if deleted is not None and len(deleted) != len(segment.documents):
            return f"the deletions of segment {segment.name} do not fit it"
        if problem := segment.inconsistency(manifest["dimension"]):
            return problem
    return None


def _jsonl(content: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in content.decode("utf-8").splitlines() if line.strip()]


def _write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
