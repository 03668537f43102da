"""Build or update an index from documents, embedding only what is new or changed.

    >>> report = Indexer(Path(".isnad/index"), Embedder()).run(documents)
    >>> report.embedded_documents   # ids whose chunks were (re-)embedded
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from embeddings import Embedder
from rag.ingest.attribution import ATTRIBUTION_VERSION, attribute
from rag.ingest.chunking import CHUNKING_VERSION, SentenceChunker
from rag.config import Settings, calibration_for
from rag.errors import CorpusError, IndexCorruptError, IndexMissingError
from rag.index.backend import SearchIndex, index_store
from rag.index.checkpoint import BATCH_TEXTS, EmbeddingCheckpoint
from rag.index.fields import embedded_sentences
from rag.index.segment import SegmentData
from rag.index.store import FORMAT_VERSION, IndexData, Update
from rag.text import NORMALISER_VERSION
from rag.translation import build_vocabulary
from rag.types import Chunk, Document

logger = logging.getLogger(__name__)

# New documents per segment written during a build: their chunks' and sentences' vectors are held
# in memory until the segment is (about 2.5 GB at 50,000 news articles of three chunks).
SEGMENT_DOCUMENTS = 50_000

@dataclass
class IndexReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chunks: int = 0
    embedded_chunks: int = 0
    resumed_texts: int = 0   # texts whose vectors a killed build had already saved (rag.index.checkpoint)
    embedded_words: int = 0  # vocabulary words new to the index (rag.translation)
    vector_index: str = ""  # "exact", or the ANN index chosen past the exact search limit
    seconds: float = 0.0
    embedding_seconds: float = 0.0  # of `seconds`, chunking and embedding the new documents
    rebuilt_because: str | None = None

    @property
    def embedded_documents(self) -> list[str]:
        return self.added + self.updated


class Indexer:
    def __init__(self, index_dir: Path, embedder: Embedder, max_tokens: int = 160, overlap_tokens: int = 32,
                 exact_search_limit: int = 50_000, progress_bar: bool = False,
                 checkpoint_texts: int = BATCH_TEXTS, segment_documents: int = SEGMENT_DOCUMENTS) -> None:
        self.store = index_store(index_dir)
        self.embedder = embedder
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens
        self.exact_search_limit = exact_search_limit
        self.progress_bar = progress_bar
        self.checkpoint_texts = checkpoint_texts
        self.segment_documents = segment_documents

    def run(self, documents: Iterable[Document], prune: bool = True) -> IndexReport:
        """Bring the index in line with `documents` (read once, as they come): what is new or
        changed is chunked and embedded into a new segment, what is replaced is deleted, the rest
        is left where it is. With `prune` (the corpus is all of them) what is gone is deleted too;
        without, the documents are added to the index (a large archive need not be read again)."""
        started = time.perf_counter()
        with self.store.lock():
            previous, reason = self._reusable_previous()
            report = IndexReport(rebuilt_because=reason)
            checkpoint = EmbeddingCheckpoint(self.store.scratch, self.embedder, self.checkpoint_texts)
            staged, new_chunks = [], []
            # A segment's worth of new documents at a time: memory stays bounded however large the corpus.
            for batch in _batched(self._changes(documents, previous, report, prune), self.segment_documents):
                embedding = time.perf_counter()
                addition = self._segment(batch, checkpoint)
                report.embedding_seconds += time.perf_counter() - embedding
                report.embedded_chunks += len(addition.chunks)
                new_chunks += addition.chunks if self._translates else []
                staged.append(self.store.stage(addition, self.exact_search_limit))
            report.resumed_texts = checkpoint.resumed
            reattribute = previous is not None and previous.manifest.get("attribution_version") != ATTRIBUTION_VERSION
            if previous is None or staged or report.removed or reattribute:
                summary = self._publish(previous, staged, new_chunks, report, reattribute)
                checkpoint.clear()
            else:  # nothing changed: the current generation stays
                summary = self.store.summary(previous)
        report.chunks, report.vector_index = summary["chunks"], summary["vector_index"]
        report.seconds = time.perf_counter() - started
        return report

    def add(self, documents: Iterable[Document]) -> IndexReport:
        """Add (or replace) these documents, keeping every other document of the index."""
        return self.run(documents, prune=False)

    def remove(self, doc_ids: Iterable[str]) -> IndexReport:
        """Delete these documents from the index (ids it does not hold are ignored)."""
        started = time.perf_counter()
        with self.store.lock():
            previous, reason = self._reusable_previous()
            if previous is None:
                raise CorpusError(f"nothing to remove from: {reason or 'there is no index'}; build it with `isnad index`")
            report = IndexReport(removed=sorted(doc_id for doc_id in set(doc_ids) if doc_id in previous.documents))
            summary = self._publish(previous, [], [], report, reattribute=False) \
                if report.removed else self.store.summary(previous)
        report.chunks, report.vector_index = summary["chunks"], summary["vector_index"]
        report.seconds = time.perf_counter() - started
        return report

    def _settings(self) -> dict:
        return {"embedding_model": self.embedder.model_name, "document_input": self.embedder.document_template,
                "normaliser_version": NORMALISER_VERSION,
                "attribution_version": ATTRIBUTION_VERSION,
                "chunking": {"max_tokens": self.max_tokens, "overlap_tokens": self.overlap_tokens,
                             "counted_with": "embedding model tokenizer", "version": CHUNKING_VERSION}}

    def _reusable_previous(self) -> tuple[SearchIndex | None, str | None]:
        """The old index if its vectors can be reused, else None and why not."""
        try:
            previous = self.store.read()
        except IndexMissingError:
            return None, None
        except IndexCorruptError as error:
            logger.warning("rebuilding from scratch: %s", error)
            return None, f"the previous index could not be read ({error})"
        old = {key: previous.manifest.get(key) for key in self._settings()}
        for key, value in self._settings().items():
            # Speakers are found from the text, not the vectors: a new attribution_version
            # re-attributes the stored chunks (in _write) and re-embeds nothing.
            if old[key] != value and key != "attribution_version":
                return None, f"{key} changed ({old[key]} -> {value})"
        return previous, None

    def _changes(self, documents: Iterable[Document], previous: SearchIndex | None,
                 report: IndexReport, prune: bool) -> Iterator[Document]:
        """The documents to embed, as they come; sorts the corpus into the report's added /
        updated / unchanged / removed on the way (removed once every document has been seen)."""
        stored = previous.content_hashes() if previous is not None else {}
        seen = set()
        for document in documents:
            seen.add(document.id)
            old = stored.get(document.id)
            if old == document.content_hash:
                report.unchanged.append(document.id)
            else:
                (report.updated if old is not None else report.added).append(document.id)
                yield document
        if not seen:
            raise CorpusError("no documents to index (the corpus is empty or every file was skipped); "
                              "the existing index was left as it was")
        report.removed = sorted(doc_id for doc_id in stored if doc_id not in seen) if prune else []

    def _segment(self, documents: list[Document], checkpoint: EmbeddingCheckpoint) -> SegmentData:
        """The documents chunked, attributed and embedded: a new segment's content."""
        chunker = SentenceChunker(self.embedder.count_tokens, self.max_tokens, self.overlap_tokens)
        chunks = [_renumber(chunk, i) for i, chunk in enumerate(_attributed(chunker.run(documents)["chunks"], documents))]
        sentences, owners = [], []
        for chunk in chunks:
            for start, end in embedded_sentences(chunk.text):
                sentences.append(chunk.text[start:end])
                owners.append(chunk.chunk_id)
        # Chunk vectors are read with their article's title; each sentence also gets one (a passage
        # also scores by its best sentence).
        chunk_vectors = checkpoint.encode([c.text for c in chunks], [c.title for c in chunks], self.progress_bar)
        sentence_vectors = checkpoint.encode(sentences, None, self.progress_bar)
        return SegmentData(documents, chunks, chunk_vectors.reshape(len(chunks), self.embedder.dimension),
                           sentence_vectors.reshape(len(sentences), self.embedder.dimension),
                           np.asarray(owners, dtype=np.int64))

    def _publish(self, previous: SearchIndex | None, staged: list, new_chunks: list[Chunk], report: IndexReport,
                 reattribute: bool) -> dict:
        """Make the staged segments, and the deletions the report lists, the index's next generation."""
        replaced = set(report.removed) | set(report.updated)
        # Every stored document that stays (with `prune=False`, those not passed in too).
        staying = [doc_id for doc_id in previous.documents if doc_id not in replaced] if previous is not None else []
        kept = previous.reusable(staying) if previous is not None and (reattribute or self._translates) else None
        if reattribute:
            # Speakers found anew: the stored documents are rewritten as one segment (vectors
            # copied, nothing embedded again).
            kept.chunks = _attributed(kept.chunks, kept.documents)
            staged = staged + [self.store.stage(kept, self.exact_search_limit)]
        vocabulary, vectors, report.embedded_words = self._vocabulary(
            (list(kept.chunks) if kept is not None else []) + new_chunks, previous)
        update = Update(self._manifest(), staged, replaced, vocabulary, vectors,
                        keep_previous=previous is not None and not reattribute)
        return self.store.update(previous, update, self.exact_search_limit)

    @property
    def _translates(self) -> bool:
        return calibration_for(self.embedder.model_name).translates

    def _vocabulary(self, chunks: list[Chunk], previous: SearchIndex | None) -> tuple[list, np.ndarray, int]:
        """The corpus's words with their vectors (for query translation); known words keep theirs.
        None for an encoder that matches questions across languages without translating them."""
        if not self._translates:
            return [], np.zeros((0, self.embedder.dimension), np.float32), 0
        vocabulary = build_vocabulary(chunks)
        known = {entry: i for i, entry in enumerate(previous.vocabulary)} if previous else {}
        vectors = np.zeros((len(vocabulary), self.embedder.dimension), np.float32)
        fresh = []
        for i, entry in enumerate(vocabulary):
            if entry in known:
                vectors[i] = previous.vocabulary_vectors[known[entry]]
            else:
                fresh.append(i)
        if fresh:
            vectors[fresh] = self.embedder.encode_documents([vocabulary[i][1] for i in fresh])
        return vocabulary, vectors, len(fresh)

    def _manifest(self) -> dict:
        return {"format_version": FORMAT_VERSION, **self._settings(), "dimension": self.embedder.dimension,
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def _attributed(chunks: list[Chunk], documents: list[Document]) -> list[Chunk]:
    """Each chunk with the speakers of its sentences, found once per document (a report's
    "وأضاف" reaches back across chunk boundaries)."""
    found = {document.id: attribute(document.text) for document in documents}
    return [replace(chunk, attributions=[{"start": a.start, "end": a.end, "speaker": a.speaker}
                                         for a in found[chunk.doc_id] if a.start < chunk.end and chunk.start < a.end])
            for chunk in chunks]


def _batched(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    batch = []
    for document in documents:
        batch.append(document)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _renumber(chunk: Chunk, chunk_id: int) -> Chunk:
    return replace(chunk, chunk_id=chunk_id)


def index_corpus(settings: Settings, progress_bar: bool = False, ray_address: str | None = None, add: bool = False):
    """Load the corpus and bring the index up to date: what `isnad index` does. With a Ray address
    ("" for a Ray started on this machine) the documents are embedded on that cluster. With `add`,
    the corpus paths are documents to add (or replace), and the rest of the index stays."""
    from rag.ingest.loaders import CorpusLoader, LoadResult

    loaded = LoadResult()  # its warnings and duplicates; the documents stream straight into the index
    documents = CorpusLoader(settings.max_file_bytes, settings.near_duplicate_threshold).stream(
        list(settings.corpus_paths), loaded)
    if ray_address is None:
        embedder = Embedder(settings.embedding_model, batch_size=settings.embed_batch_size, home=settings.home)
    else:
        from embeddings.ray_embedder import RayEmbedder

        embedder = RayEmbedder(settings.embedding_model, address=ray_address or None,
                               batch_size=settings.embed_batch_size, home=settings.home)
    indexer = Indexer(settings.index, embedder, settings.chunk_tokens, settings.chunk_overlap_tokens,
                      settings.exact_search_limit, progress_bar=progress_bar)
    return loaded, indexer.run(documents, prune=not add)
