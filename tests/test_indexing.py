"""Incremental updates, atomic writes, and the old index surviving a killed build."""

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace

import numpy as np
import pytest

from rag import Retriever
from rag.errors import CorpusError
from rag.index import indexer
from rag.index.indexer import Indexer
from rag.ingest.attribution import Attribution
from rag.ingest.loaders import CorpusLoader
from rag.index.store import IndexStore
from tests.conftest import CORPUS, FAKES_CSV, REPO


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


QUESTIONS = ["مع من التقى رئيس الائتلاف في بروكسل؟", "كم عدد المدنيين المحاصرين في شرق حلب؟",
             "What did de Mistura propose?", "air strikes on a hospital in Idlib"]


def ranking(index_dir, embedder, filters=None):
    retriever = Retriever.open(index_dir, embedder=embedder)
    return [[(p.doc_id, p.start, round(p.score, 4)) for p in retriever.search(q, k=8, filters=filters)]
            for q in QUESTIONS]


def test_an_update_writes_only_a_new_segment_and_ranks_as_a_full_rebuild(seed_documents, tmp_path, light_embedder):
    index_dir = tmp_path / "index"
    Indexer(index_dir, light_embedder).run(seed_documents[:4])
    (first,) = (index_dir / "segments").iterdir()
    untouched = {path.name: (path.stat().st_ino, path.stat().st_mtime_ns) for path in first.iterdir()}

    changed = replace(seed_documents[2], text=seed_documents[2].text + "\nوقصفت الطائرات مشفى في إدلب.",
                      content_hash="changed")
    report = Indexer(index_dir, light_embedder).run([*seed_documents[1:2], changed, *seed_documents[3:]])
    assert report.removed == [seed_documents[0].id] and report.updated == [changed.id]
    segments = IndexStore(index_dir).read().segments
    assert len(segments) == 2 and segments[0].folder == first
    assert {path.name: (path.stat().st_ino, path.stat().st_mtime_ns) for path in first.iterdir()} == untouched

    Indexer(tmp_path / "whole", light_embedder).run([*seed_documents[1:2], changed, *seed_documents[3:]])
    assert ranking(index_dir, light_embedder) == ranking(tmp_path / "whole", light_embedder)
    assert ranking(index_dir, light_embedder, {"place": "حلب"}) == ranking(tmp_path / "whole", light_embedder, {"place": "حلب"})
    assert len(IndexStore(index_dir).read().documents) == 4
    # a segment mostly deleted is rewritten with only its live documents
    Indexer(index_dir, light_embedder).run([changed, *seed_documents[3:]])
    assert first not in [segment.folder for segment in IndexStore(index_dir).read().segments]
    Indexer(tmp_path / "whole", light_embedder).run([changed, *seed_documents[3:]])
    assert ranking(index_dir, light_embedder) == ranking(tmp_path / "whole", light_embedder)


def test_many_updates_are_merged_into_few_segments(seed_documents, tmp_path, light_embedder, monkeypatch):
    from rag.index import store

    monkeypatch.setattr(store, "MAX_SEGMENTS", 2)
    index_dir = tmp_path / "index"
    for count in range(1, 6):  # one more article each time: five segments without merging
        report = Indexer(index_dir, light_embedder).add([seed_documents[count - 1]])
        assert report.added == [seed_documents[count - 1].id] and report.embedded_chunks > 0
        assert len(IndexStore(index_dir).read().segments) <= 2
    Indexer(tmp_path / "whole", light_embedder).run(seed_documents)
    assert ranking(index_dir, light_embedder) == ranking(tmp_path / "whole", light_embedder)
    assert len(list((index_dir / "segments").iterdir())) <= 4  # this generation's and the one before's


@pytest.mark.slow
def test_a_killed_update_leaves_the_index_as_it_was_and_the_rerun_resumes(light_seed_index, tmp_path, light_embedder):
    index_dir = tmp_path / "index"
    shutil.copytree(light_seed_index, index_dir)
    before = ranking(index_dir, light_embedder)
    script = (f"from pathlib import Path\n"
              f"from embeddings import Embedder, USE_MODEL_NAME\n"
              f"from rag.index.indexer import Indexer\n"
              f"from rag.ingest.loaders import CorpusLoader\n"
              f"documents = CorpusLoader().run([Path({str(FAKES_CSV)!r})]).documents[:40]\n"
              f"Indexer(Path({str(index_dir)!r}), Embedder(USE_MODEL_NAME), checkpoint_texts=32).add(documents)\n")
    build = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while len(list((index_dir / "pending").glob("batch-*.npz"))) < 2 and time.monotonic() < deadline:
        assert build.poll() is None, "the update finished before it could be killed"
        time.sleep(0.05)
    os.killpg(build.pid, signal.SIGKILL)
    build.wait()
    saved = len(list((index_dir / "pending").glob("batch-*.npz")))
    assert saved >= 2
    assert ranking(index_dir, light_embedder) == before  # the previous index, searchable, same results

    documents = CorpusLoader().run([FAKES_CSV]).documents[:40]
    report = Indexer(index_dir, light_embedder, checkpoint_texts=32).add(documents)
    assert report.resumed_texts >= 32 * saved and len(report.added) == 40
    assert not (index_dir / "pending").exists()
    Indexer(tmp_path / "fresh", light_embedder).run([*CorpusLoader().run([CORPUS]).documents, *documents])
    resumed, fresh = IndexStore(index_dir).read(), IndexStore(tmp_path / "fresh").read()
    ids = [document.id for document in documents]
    assert np.allclose(resumed.reusable(ids).chunk_vectors, fresh.reusable(ids).chunk_vectors, atol=1e-6)
    assert np.allclose(resumed.reusable(ids).sentence_vectors, fresh.reusable(ids).sentence_vectors, atol=1e-6)


def test_milvus_takes_the_same_updates(seed_documents, tmp_path, light_embedder):
    location = f"milvus:{tmp_path / 'index.db'}"
    Indexer(location, light_embedder).run(seed_documents[:4])
    report = Indexer(location, light_embedder).add(seed_documents[4:])
    assert report.added == [seed_documents[4].id] and report.unchanged == []
    report = Indexer(location, light_embedder).remove([seed_documents[0].id, "not-there"])
    assert report.removed == [seed_documents[0].id] and report.embedded_chunks == 0
    Indexer(tmp_path / "whole", light_embedder).run(seed_documents[1:])
    assert ranking(location, light_embedder) == ranking(tmp_path / "whole", light_embedder)


def test_a_build_writes_a_segment_per_batch_of_documents_and_ranks_as_one(seed_documents, tmp_path, light_embedder):
    report = Indexer(tmp_path / "batched", light_embedder, segment_documents=2).run(iter(seed_documents))
    assert len(report.added) == 5 and len(IndexStore(tmp_path / "batched").read().segments) == 3
    Indexer(tmp_path / "whole", light_embedder).run(seed_documents)
    assert ranking(tmp_path / "batched", light_embedder) == ranking(tmp_path / "whole", light_embedder)
