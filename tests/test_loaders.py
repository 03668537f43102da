import json

import pytest

from rag.errors import CorpusError
from rag.loaders import CorpusLoader
from tests.conftest import CORPUS, FAKES_CSV


def load(*paths):
    return CorpusLoader().run(list(paths))


def test_seed_corpus_loads_with_file_names_as_ids():
    result = load(CORPUS)
    assert sorted(d.id for d in result.documents) == sorted(p.name for p in CORPUS.glob("*.txt"))
    assert {d.language for d in result.documents} == {"ar"}
    assert result.warnings == []


def test_fakes_csv_keeps_source_date_and_location():
    result = load(FAKES_CSV)
    assert len(result.documents) + len(result.duplicates) == 804
    first = next(d for d in result.documents if d.id == "1914947530")
    assert first.language == "en"
    assert first.metadata["source"] == "reuters" or first.metadata["source"]
    assert first.metadata["date"] == "2017-04-05"
    assert first.metadata["location"] == "idlib"
    assert any("near duplicate" in line or "exact duplicate" in line for line in result.duplicates)


def test_bad_files_are_skipped_with_a_warning_naming_them(tmp_path):
    (tmp_path / "good.txt").write_text("عنوان\nنص الخبر هنا.", "utf-8")
    (tmp_path / "empty.txt").write_text("   \n", "utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02PNG" * 100)
    (tmp_path / "cp1256.txt").write_bytes("عنوان\nنص عربي بترميز قديم".encode("cp1256"))
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "rows.jsonl").write_text(
        json.dumps({"id": "r1", "title": "t", "content": "Shelling in Idlib.", "source": "x", "date": "2019-05-01"})
        + "\n{not json\n" + json.dumps({"id": "r3", "title": "no content"}) + "\n", "utf-8")
    (tmp_path / "rows.csv").write_text("title,content\nA,Text of A.\nB,\n", "utf-8")
    result = load(tmp_path)
    assert sorted(d.id for d in result.documents) == ["good.txt", "r1", "rows.csv:2"]
    text = "\n".join(result.warnings)
    for expected in ("empty.txt: empty file", "binary.txt: binary file", "cp1256.txt: not UTF-8",
                     "image.png: unsupported file type", "rows.jsonl line 2: malformed JSON",
                     "rows.jsonl row 3: no content", "rows.csv row 3: no content"):
        assert expected in text
    assert next(d for d in result.documents if d.id == "r1").metadata["date"] == "2019-05-01"


def test_exact_and_near_duplicates_are_skipped(tmp_path):
    body = (CORPUS / "004_e713a1ed33e76c5f.txt").read_text("utf-8").strip()
    (tmp_path / "a.txt").write_text("خبر\n" + body, "utf-8")
    (tmp_path / "b.txt").write_text("خبر\n" + body, "utf-8")
    (tmp_path / "c.txt").write_text("خبر آخر\n" + body + " وأضاف.", "utf-8")
    result = load(tmp_path)
    assert [d.id for d in result.documents] == ["a.txt"]
    assert "skipped b.txt: exact duplicate of a.txt" in result.duplicates
    assert any(line.startswith("skipped c.txt: near duplicate of a.txt") for line in result.duplicates)


def test_missing_corpus_path_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match="not found"):
        load(tmp_path / "nope")
