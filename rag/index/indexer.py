"""Build or update an index from documents, embedding only what is new or changed.

    >>> report = Indexer(Path(".isnad/index"), Embedder()).run(documents)
    >>> report.embedded_documents   # ids whose chunks were (re-)embedded
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from embeddings import Embedder
from rag.ingest.attribution import ATTRIBUTION_VERSION, attribute
from rag.ingest.chunking import CHUNKING_VERSION, SentenceChunker
from rag.config import Settings, calibration_for
from rag.errors import CorpusError, IndexCorruptError, IndexMissingError
from rag.index.backend import SearchIndex, index_store
from rag.index.store import FORMAT_VERSION, IndexData
from rag.index.fields import embedded_sentences
from rag.text import NORMALISER_VERSION
from rag.translation import build_vocabulary
from rag.types import Chunk, Document

logger = logging.getLogger(__name__)

@dataclass
class IndexReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chunks: int = 0
    embedded_chunks: int = 0
    embedded_words: int = 0  # vocabulary words new to the index (rag.translation)
    vector_index: str = ""  # "exact", or the ANN index chosen past the exact search limit
    seconds: float = 0.0
    rebuilt_because: str | None = None

    @property
    def embedded_documents(self) -> list[str]:
        return self.added + self.updated


class Indexer:
    def __init__(self, index_dir: Path, embedder: Embedder, max_tokens: int = 160, overlap_tokens: int = 32,
                 exact_search_limit: int = 50_000, progress_bar: bool = False) -> None:
        self.store = index_store(index_dir)
        self.embedder = embedder
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens
        self.exact_search_limit = exact_search_limit
        self.progress_bar = progress_bar

    def run(self, documents: list[Document]) -> IndexReport:
        if not documents:
            raise CorpusError("no documents to index (the corpus is empty or every file was skipped); "
                              "the existing index was left as it was")
        started = time.perf_counter()
        with self.store.lock():
            previous, reason = self._reusable_previous()
            report = IndexReport(rebuilt_because=reason)
            data = self._build(documents, previous, report)
            self.store.write(data, self.exact_search_limit)
        report.chunks, report.vector_index = len(data.chunks), data.manifest["vectors"]["chunks"]["kind"]
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
            # re-attributes the stored chunks (in _build) and re-embeds nothing.
            if old[key] != value and key != "attribution_version":
                return None, f"{key} changed ({old[key]} -> {value})"
        return previous, None

    def _build(self, documents: list[Document], previous: SearchIndex | None, report: IndexReport) -> IndexData:
        old_docs = previous.documents if previous else {}
        reused, fresh = [], []
        for document in documents:
            old = old_docs.get(document.id)
            if old is not None and old.content_hash == document.content_hash:
                reused.append(document)
                report.unchanged.append(document.id)
            else:
                fresh.append(document)
                (report.updated if old is not None else report.added).append(document.id)
        current = {document.id for document in documents}
        report.removed = sorted(doc_id for doc_id in old_docs if doc_id not in current)

        chunks, chunk_vectors, sentence_chunks, sentence_vectors = self._reuse(reused, previous)
        if previous is not None and previous.manifest.get("attribution_version") != ATTRIBUTION_VERSION:
            chunks = _attributed(list(chunks), reused)
        new_chunks = SentenceChunker(self.embedder.count_tokens, self.max_tokens, self.overlap_tokens).run(fresh)["chunks"]
        new_chunks = [_renumber(chunk, len(chunks) + i) for i, chunk in enumerate(_attributed(new_chunks, fresh))]
        new_vectors, new_sentence_chunks, new_sentence_vectors = self._embed(new_chunks)
        report.embedded_chunks = len(new_chunks)

        chunks += new_chunks
        chunk_matrix = np.vstack([chunk_vectors, new_vectors])
        sentence_matrix = np.vstack([sentence_vectors, new_sentence_vectors])
        owners = np.concatenate([sentence_chunks, new_sentence_chunks]).astype(np.int64)
        vocabulary, vocabulary_vectors, report.embedded_words = self._vocabulary(chunks, previous)
        manifest = self._manifest(documents, chunks)
        return IndexData(manifest, documents, chunks, chunk_matrix, sentence_matrix, owners, vocabulary, vocabulary_vectors)

    def _vocabulary(self, chunks: list[Chunk], previous: SearchIndex | None) -> tuple[list, np.ndarray, int]:
        """The corpus's words with their vectors (for query translation); known words keep theirs.
        None for an encoder that matches questions across languages without translating them."""
        if not calibration_for(self.embedder.model_name).translates:
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

    def _reuse(self, reused: list[Document], previous: SearchIndex | None):
        dimension = self.embedder.dimension
        if previous is None or not reused:
            return [], np.zeros((0, dimension), np.float32), np.zeros(0, np.int64), np.zeros((0, dimension), np.float32)
        return previous.reusable([document.id for document in reused])

    def _embed(self, chunks: list[Chunk]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Chunk vectors (each read with its article's title), and one vector per sentence (a passage
        also scores by its best sentence)."""
        sentences, owners = [], []
        for chunk in chunks:
            for start, end in embedded_sentences(chunk.text):
                sentences.append(chunk.text[start:end])
                owners.append(chunk.chunk_id)
        chunk_vectors = self.embedder.encode_documents([c.text for c in chunks], progress_bar=self.progress_bar,
                                                       titles=[c.title for c in chunks])
        sentence_vectors = self.embedder.encode_documents(sentences, progress_bar=self.progress_bar)
        return chunk_vectors, np.array(owners, dtype=np.int64), sentence_vectors

    def _manifest(self, documents: list[Document], chunks: list[Chunk]) -> dict:
        per_doc: dict[str, int] = {}
        for chunk in chunks:
            per_doc[chunk.doc_id] = per_doc.get(chunk.doc_id, 0) + 1
        return {
            "format_version": FORMAT_VERSION,
            **self._settings(),
            "dimension": self.embedder.dimension,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "counts": {"documents": len(documents), "chunks": len(chunks)},
            "documents": {d.id: {"content_hash": d.content_hash, "chunks": per_doc.get(d.id, 0)} for d in documents},
        }


def _attributed(chunks: list[Chunk], documents: list[Document]) -> list[Chunk]:
    """Each chunk with the speakers of its sentences, found once per document (a report's
    "وأضاف" reaches back across chunk boundaries)."""
    found = {document.id: attribute(document.text) for document in documents}
    return [replace(chunk, attributions=[{"start": a.start, "end": a.end, "speaker": a.speaker}
                                         for a in found[chunk.doc_id] if a.start < chunk.end and chunk.start < a.end])
            for chunk in chunks]


def _renumber(chunk: Chunk, chunk_id: int) -> Chunk:
    return replace(chunk, chunk_id=chunk_id)


def index_corpus(settings: Settings, progress_bar: bool = False, ray_address: str | None = None):
    """Load the corpus and bring the index up to date: what `isnad index` does. With a Ray address
    ("" for a Ray started on this machine) the documents are embedded on that cluster."""
    from rag.ingest.loaders import CorpusLoader

    loaded = CorpusLoader(settings.max_file_bytes, settings.near_duplicate_threshold).run(list(settings.corpus_paths))
    if ray_address is None:
        embedder = Embedder(settings.embedding_model, batch_size=settings.embed_batch_size, home=settings.home)
    else:
        from embeddings.ray_embedder import RayEmbedder

        embedder = RayEmbedder(settings.embedding_model, address=ray_address or None,
                               batch_size=settings.embed_batch_size, home=settings.home)
    indexer = Indexer(settings.index, embedder, settings.chunk_tokens, settings.chunk_overlap_tokens,
                      settings.exact_search_limit, progress_bar=progress_bar)
    return loaded, indexer.run(loaded.documents)
