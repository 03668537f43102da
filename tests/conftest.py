"""Shared fixtures: the real embedding models (loaded once) and real indexes of corpus/.

`embedder` / `seed_index` use the default model, EmbeddingGemma-300M as `isnad setup` installed it;
`light_embedder` / `light_seed_index` the light Universal Sentence Encoder, which must keep working."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from embeddings import USE_MODEL_NAME, Embedder
from rag.index.indexer import Indexer
from rag.ingest.loaders import CorpusLoader

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
SHARED_DATA = REPO.parent / "shared" / "data"
FAKES_CSV = SHARED_DATA / "fa-kes" / "fakes.csv"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    model = Embedder()
    model.warm_up()
    return model


@pytest.fixture(scope="session")
def light_embedder() -> Embedder:
    model = Embedder(USE_MODEL_NAME)
    model.warm_up()
    return model


@pytest.fixture(scope="session")
def seed_documents():
    return CorpusLoader().run([CORPUS]).documents


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, embedder, seed_documents) -> Path:
    index_dir = tmp_path_factory.mktemp("seed") / "index"
    Indexer(index_dir, embedder).run(seed_documents)
    return index_dir


@pytest.fixture(scope="session")
def light_seed_index(tmp_path_factory, light_embedder, seed_documents) -> Path:
    index_dir = tmp_path_factory.mktemp("light-seed") / "index"
    Indexer(index_dir, light_embedder).run(seed_documents)
    return index_dir


@pytest.fixture
def seed_index_copy(seed_index, tmp_path) -> Path:
    """A private copy for tests that change or damage the index."""
    target = tmp_path / "index"
    shutil.copytree(seed_index, target)
    return target


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target
