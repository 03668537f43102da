"""Fault injection on a real index: damage is refused with one line, `isnad index` repairs it,
readers never see a half-switched index, and nothing stored is lost."""

import json
import shutil
import threading

import numpy as np
import pytest

from rag import Retriever
from rag.errors import IndexCorruptError
from rag.index.indexer import Indexer
from rag.ingest.loaders import CorpusLoader
from rag.index import checksums
from rag.index.store import IndexStore
from tests.conftest import CORPUS

QUESTION = "مع من التقى رئيس الائتلاف في بروكسل؟"
ANSWER_DOC = "003_b8689e71eb8b336f.txt"


@pytest.fixture
def index_dir(light_seed_index, tmp_path):
    target = tmp_path / "index"
    shutil.copytree(light_seed_index, target)
    return target


def generation(index_dir):
    return index_dir / (index_dir / "CURRENT").read_text()


def segment(index_dir):
    """The one segment of a freshly built index."""
    (folder,) = (index_dir / "segments").iterdir()
    return folder


def stored(index_dir, name):
    """Where a file of the index lives: its generation (vocabulary) or its segment (the rest)."""
    return generation(index_dir) / name if name.startswith("vocabulary") else segment(index_dir) / name


def overwrite_middle(path, count=64):
    with open(path, "r+b") as handle:
        handle.seek(path.stat().st_size // 2)
        handle.write(b"\xff" * count)


def rebuild(index_dir, embedder, *corpora):
    return Indexer(index_dir, embedder).run(CorpusLoader().run(list(corpora or [CORPUS])).documents)


@pytest.mark.parametrize("name", ["chunks.npy", "sentences.npy", "sentence_chunks.npy", "vocabulary.npy",
                                  "chunks.frequencies.npy", "chunk_documents.npy"])
def test_damaged_vectors_are_refused_and_reindexing_repairs_them(index_dir, light_embedder, name):
    overwrite_middle(stored(index_dir, name))
    with pytest.raises(IndexCorruptError, match=f"{name} does not match its checksum"):
        Retriever.open(index_dir, embedder=light_embedder)
    report = rebuild(index_dir, light_embedder)
    assert report.rebuilt_because and report.embedded_chunks == report.chunks
    assert Retriever.open(index_dir, embedder=light_embedder).search(QUESTION)[0].doc_id == ANSWER_DOC


def test_edited_chunk_text_is_refused(index_dir, light_embedder):
    passages = segment(index_dir) / "passages.sqlite"
    passages.write_bytes(passages.read_bytes().replace("حلب".encode(), "حمص".encode(), 1))
    with pytest.raises(IndexCorruptError, match="passages.sqlite does not match its checksum"):
        Retriever.open(index_dir, embedder=light_embedder)


def test_an_index_whose_checksums_were_rewritten_is_still_checked_for_consistency(index_dir, light_embedder):
    folder = segment(index_dir)
    owners = np.load(folder / "chunk_documents.npy")
    np.save(folder / "chunk_documents.npy", owners + 1000)  # every chunk now names a missing document
    entry = json.loads((folder / "segment.json").read_text("utf-8"))
    entry["files"]["chunk_documents.npy"] = checksums.fingerprint(folder / "chunk_documents.npy")
    (folder / "segment.json").write_text(json.dumps(entry), "utf-8")
    with pytest.raises(IndexCorruptError, match="a chunk names a document that does not exist"):
        Retriever.open(index_dir, embedder=light_embedder)


def test_a_current_pointer_that_is_not_text_is_refused_and_reindexing_recovers(index_dir, light_embedder):
    (index_dir / "CURRENT").write_bytes(b"\xff\xfe gen")
    with pytest.raises(IndexCorruptError, match="damaged CURRENT"):
        Retriever.open(index_dir, embedder=light_embedder)
    rebuild(index_dir, light_embedder)
    assert Retriever.open(index_dir, embedder=light_embedder).search(QUESTION)[0].doc_id == ANSWER_DOC


def test_verify_reports_each_file(index_dir):
    assert set(IndexStore(index_dir).verify().values()) == {"ok"}
    overwrite_middle(segment(index_dir) / "chunks.npy")
    assert IndexStore(index_dir).verify()[f"{segment(index_dir).name}/chunks.npy"] == "damaged (checksum differs)"


def test_readers_see_no_error_through_ten_rebuilds(index_dir, light_embedder, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    errors, reads, done = [], [0], threading.Event()

    def read_in_a_loop():
        while not done.is_set():
            try:
                assert len(IndexStore(index_dir).read().documents) in (5, 6)
                reads[0] += 1
            except Exception as error:  # noqa: BLE001 - any failure is what this test looks for
                errors.append(repr(error))

    reader = threading.Thread(target=read_in_a_loop)
    reader.start()
    try:
        for build in range(10):  # every build switches CURRENT; every other one changes the corpus
            extra = corpus / "extra.txt"
            if build % 2:
                extra.unlink(missing_ok=True)
            else:
                extra.write_text(f"خبر {build}\nنص جديد عن قصف في إدلب رقم {build}.", "utf-8")
            rebuild(index_dir, light_embedder, corpus)
    finally:
        done.set()
        reader.join()
    assert errors == [] and reads[0] > 10
    assert len(list(index_dir.glob("gen-*"))) == 2  # the current generation and the one before


def test_two_corpus_folders_with_the_same_file_names_index_both(tmp_path, light_embedder):
    second = tmp_path / "second"
    second.mkdir()
    (second / "001_0b8ef82dd97cd181.txt").write_text("خبر آخر\nقصفت الطائرات بلدة في ريف إدلب الجنوبي.", "utf-8")
    report = rebuild(tmp_path / "index", light_embedder, CORPUS, second)
    data = IndexStore(tmp_path / "index").read()
    assert "second/001_0b8ef82dd97cd181.txt" in data.documents and len(data.documents) == 6
    assert report.chunks == len(data.chunks)
