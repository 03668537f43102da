"""Incremental updates, atomic writes, and the old index surviving a killed build."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from rag import Retriever
from rag.errors import CorpusError
from rag.index import indexer
from rag.index.indexer import Indexer
from rag.ingest.attribution import Attribution
from rag.ingest.loaders import CorpusLoader
from rag.index.store import IndexStore
from tests.conftest import FAKES_CSV, REPO


def index(corpus, index_dir, embedder):
    return Indexer(index_dir, embedder).run(CorpusLoader().run([corpus]).documents)


def test_only_changed_and_new_files_are_embedded(corpus_copy, tmp_path, light_embedder):
    """The light model, which also keeps a vocabulary for translating questions."""
    embedder = light_embedder
    index_dir = tmp_path / "index"
    first = index(corpus_copy, index_dir, embedder)
    assert len(first.added) == 5 and first.embedded_chunks == first.chunks
    before = IndexStore(index_dir).read()

    changed = corpus_copy / "004_e713a1ed33e76c5f.txt"
    changed.write_text(changed.read_text("utf-8") + "\nوأعلن المجلس المحلي عن 12 قتيلا جديدا.", "utf-8")
    (corpus_copy / "002_239a53276f838fa4.txt").unlink()
    (corpus_copy / "new.md").write_text("قصف على إدلب\nقصفت الطائرات مدينة إدلب فجر اليوم.", "utf-8")
    second = index(corpus_copy, index_dir, embedder)

    assert second.updated == ["004_e713a1ed33e76c5f.txt"]
    assert second.added == ["new.md"]
    assert second.removed == ["002_239a53276f838fa4.txt"]
    assert sorted(second.unchanged) == ["000_ae54cc0608da1c8c.txt", "001_0b8ef82dd97cd181.txt",
                                        "003_b8689e71eb8b336f.txt"]
    after = IndexStore(index_dir).read()
    new_chunks = after.reusable(["004_e713a1ed33e76c5f.txt", "new.md"]).chunks
    assert second.embedded_chunks == len(new_chunks)
    # unchanged documents keep exactly their old vectors
    kept = ["000_ae54cc0608da1c8c.txt", "001_0b8ef82dd97cd181.txt"]
    assert np.array_equal(before.reusable(kept).chunk_vectors, after.reusable(kept).chunk_vectors)
    assert "002_239a53276f838fa4.txt" not in after.documents and len(after.documents) == 5
    # the vocabulary for query translation follows the corpus, embedding only words it has not seen
    assert first.embedded_words == len(before.vocabulary) > 500
    assert 0 < second.embedded_words < 10
    assert ("ar", "بريتا") in before.vocabulary and ("ar", "بريتا") not in after.vocabulary  # only in 002
    assert Retriever.open(index_dir, embedder=embedder).search("وأعلن المجلس المحلي عن 12 قتيلا جديدا")[0].doc_id \
        == "004_e713a1ed33e76c5f.txt"


def test_manifest_records_model_hashes_and_vector_index_kind(seed_index):
    manifest = IndexStore(seed_index).read().manifest
    assert manifest["embedding_model"] == "embeddinggemma-300m" and manifest["dimension"] == 768
    (segment,) = IndexStore(seed_index).read().segments
    assert segment.entry["vectors"]["chunks"] == {"kind": "exact", "rows": manifest["counts"]["chunks"]}
    assert len(IndexStore(seed_index).read().content_hashes()["000_ae54cc0608da1c8c.txt"]) == 64
    assert manifest["normaliser_version"]


def test_no_pickle_in_the_index(seed_index):
    for path in seed_index.rglob("*"):
        if path.is_file():
            assert b"\x80\x04\x95" not in path.read_bytes()[:64], f"{path} looks like a pickle"


def test_empty_corpus_keeps_the_old_index(seed_index_copy, tmp_path, embedder):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="left as it was"):
        index(tmp_path / "empty", seed_index_copy, embedder)
    assert len(IndexStore(seed_index_copy).read().documents) == 5


def test_a_new_attribution_version_re_attributes_without_embedding(corpus_copy, tmp_path, light_embedder, monkeypatch):
    index_dir = tmp_path / "index"
    index(corpus_copy, index_dir, light_embedder)
    before = IndexStore(index_dir).read()
    monkeypatch.setattr(indexer, "ATTRIBUTION_VERSION", indexer.ATTRIBUTION_VERSION + 1)
    monkeypatch.setattr(indexer, "attribute", lambda text: [Attribution(0, 5, "a new speaker")])
    report = index(corpus_copy, index_dir, light_embedder)
    after = IndexStore(index_dir).read()
    assert report.rebuilt_because is None and report.embedded_chunks == 0
    assert after.manifest["attribution_version"] == indexer.ATTRIBUTION_VERSION
    every = list(before.documents)
    assert np.array_equal(before.reusable(every).chunk_vectors, after.reusable(every).chunk_vectors)
    first = [chunk for chunk in after.chunks if chunk.start == 0]
    assert first and all(chunk.attributions == [{"start": 0, "end": 5, "speaker": "a new speaker"}] for chunk in first)


def test_crash_while_writing_keeps_the_old_index(seed_index_copy, corpus_copy, embedder, monkeypatch):
    from rag.index import lexical

    def crash(*args):
        raise OSError("disk full")

    (corpus_copy / "extra.txt").write_text("خبر\nنص جديد عن حلب.", "utf-8")
    monkeypatch.setattr(lexical, "write_lexical_index", crash)
    with pytest.raises(OSError):
        index(corpus_copy, seed_index_copy, embedder)
    monkeypatch.undo()
    data = IndexStore(seed_index_copy).read()
    assert "extra.txt" not in data.documents and len(data.documents) == 5


@pytest.mark.slow
def test_killed_build_leaves_the_previous_index_usable(seed_index_copy):
    before = (seed_index_copy / "CURRENT").read_text()
    build = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "index", "--corpus", str(FAKES_CSV), "--index", str(seed_index_copy)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(12)  # long enough to be embedding FA-KES, far too short to finish
    assert build.poll() is None, "the build finished before it could be killed"
    os.killpg(build.pid, signal.SIGKILL)
    build.wait()
    assert (seed_index_copy / "CURRENT").read_text() == before
    retriever = Retriever.open(seed_index_copy)
    assert retriever.search("مع من التقى رئيس الائتلاف في بروكسل؟")[0].doc_id == "003_b8689e71eb8b336f.txt"
