"""Embedding on a local Ray gives the vectors of the single-process path, and the same index."""

import numpy as np
import pytest

from embeddings import USE_MODEL_NAME
from embeddings.ray_embedder import RayEmbedder
from rag.index.indexer import Indexer
from rag.index.store import IndexStore


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def test_an_index_embedded_on_ray_equals_the_single_process_one(local_ray, tmp_path, seed_documents,
                                                                   light_seed_index, light_embedder):
    report = Indexer(tmp_path / "index", RayEmbedder(USE_MODEL_NAME, threads=light_embedder.threads)).run(seed_documents)
    on_ray, local = IndexStore(tmp_path / "index").read(), IndexStore(light_seed_index).read()
    assert report.embedded_chunks == len(local.chunks) > 0
    assert [c.text for c in on_ray.chunks] == [c.text for c in local.chunks]
    on_ray, local = on_ray.reusable(list(on_ray.documents)), local.reusable(list(local.documents))
    assert np.allclose(on_ray.chunk_vectors, local.chunk_vectors, atol=1e-5)
    assert np.allclose(on_ray.sentence_vectors, local.sentence_vectors, atol=1e-5)
    assert np.array_equal(on_ray.sentence_chunks, local.sentence_chunks)
    assert np.allclose(IndexStore(tmp_path / "index").read().vocabulary_vectors,
                       IndexStore(light_seed_index).read().vocabulary_vectors, atol=1e-5)
