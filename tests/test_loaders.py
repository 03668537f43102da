import json

import pytest

from rag.errors import CorpusError
from rag.ingest.loaders import CorpusLoader, LoadResult
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
    ids = sorted(d.id for d in result.documents)
    assert ids[:2] == ["good.txt", "r1"] and ids[2].startswith("rows.csv:") and len(ids) == 3
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


def test_the_same_file_name_in_two_corpus_folders_keeps_both_under_distinct_ids(tmp_path):
    for folder, text in (("a", "خبر أول عن قصف في إدلب."), ("b", "خبر ثان عن حصار حلب الشرقية.")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "001.txt").write_text("عنوان\n" + text, "utf-8")
    result = load(tmp_path / "a", tmp_path / "b")
    assert sorted(d.id for d in result.documents) == ["001.txt", "b/001.txt"]


def test_a_repeated_table_id_is_renamed_and_reported_with_both_rows(tmp_path):
    (tmp_path / "rows.csv").write_text("id,content\n7,Shelling in Idlib.\n7,A siege in Aleppo.\n", "utf-8")
    result = load(tmp_path)
    assert sorted(d.id for d in result.documents) == ["7", "7#2"]
    assert "rows.csv row 3: id '7' is already used by rows.csv row 2; renamed '7#2'" in result.warnings


def test_a_quote_left_open_in_a_csv_skips_the_swallowed_lines_instead_of_merging_rows(tmp_path):
    (tmp_path / "rows.csv").write_text(
        'id,title,content,date\n1,T1,"Text one,2020-01-01\n2,T2,Text two",2020-01-02\n3,T3,Text three,2020-01-03\n',
        "utf-8")
    result = load(tmp_path)
    assert [(d.id, d.text) for d in result.documents] == [("3", "Text three")]
    assert any("rows.csv lines 2-3: a quote is left open" in line for line in result.warnings)


def test_a_quoted_field_over_several_lines_is_still_one_row(tmp_path):
    (tmp_path / "rows.csv").write_text('id,content\n1,"First paragraph.\nSecond paragraph."\n2,Other\n', "utf-8")
    assert [d.id for d in load(tmp_path).documents] == ["1", "2"]


def test_rows_without_an_id_keep_their_ids_when_a_row_is_inserted_above(tmp_path):
    table = tmp_path / "rows.csv"
    table.write_text("title,content\nA,Text of A.\nB,Text of B.\n", "utf-8")
    before = {d.title: d.id for d in load(tmp_path).documents}
    table.write_text("title,content\nZ,Text of Z.\nA,Text of A.\nB,Text of B.\n", "utf-8")
    after = {d.title: d.id for d in load(tmp_path).documents}
    assert after["A"] == before["A"] and after["B"] == before["B"]


def test_utf16_text_is_read_and_unreadable_names_are_skipped_with_a_reason(tmp_path):
    (tmp_path / "utf16.txt").write_bytes("عنوان\nنص الخبر بترميز آخر.".encode("utf-16"))
    (tmp_path / "name-\udcff.txt").write_text("Title\nText.", "utf-8")  # the byte 0xFF, as Python names it
    result = load(tmp_path)
    assert [d.text for d in result.documents] == ["نص الخبر بترميز آخر."]
    assert any("file name is not valid UTF-8" in line for line in result.warnings)


def test_a_file_that_cannot_be_read_is_skipped_not_fatal(tmp_path, monkeypatch):
    (tmp_path / "good.txt").write_text("Title\nShelling in Idlib.", "utf-8")
    (tmp_path / "locked.txt").write_text("Title\nSecret.", "utf-8")
    real = type(tmp_path).read_bytes

    def read_bytes(path):  # root ignores file permissions, so deny the read itself
        if path.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(type(tmp_path), "read_bytes", read_bytes)
    result = load(tmp_path)
    assert [d.id for d in result.documents] == ["good.txt"]
    assert any("locked.txt: cannot be read (Permission denied)" in line for line in result.warnings)


def test_a_metadata_file_gives_articles_their_outlet_date_and_place(tmp_path):
    (tmp_path / "a.txt").write_text("عنوان\nنص الخبر هنا عن حلب.", "utf-8")
    (tmp_path / "metadata.csv").write_text("file,source,date,place,note\na.txt,الأناضول,2016-12,حلب,from the text\n"
                                           "missing.txt,x,2016-01-01,,\n", "utf-8")
    result = load(tmp_path)
    assert [d.metadata for d in result.documents] == [{"source": "الأناضول", "date": "2016-12", "place": "حلب"}]


def test_the_bundled_corpus_has_outlets_and_dates():
    documents = {d.id: d for d in load(CORPUS).documents}
    assert documents["001_0b8ef82dd97cd181.txt"].metadata["source"].startswith("الأناضول")
    assert documents["002_239a53276f838fa4.txt"].metadata["date"] == "2016-11-30"


def test_a_table_is_streamed_row_by_row_in_memory_that_does_not_grow_with_it(tmp_path):
    import random
    import tracemalloc

    words = random.Random(7)
    vocabulary = [f"{word}{n}" for word in ("حلب", "إدلب", "قصف", "مدنيين", "Aleppo", "shelling") for n in range(300)]
    (tmp_path / "warm.csv").write_text("id,content\n1,قصف على حلب Aleppo shelling\n", "utf-8")
    loader = CorpusLoader(max_file_bytes=100_000)  # the limit on an article file is not a table's
    list(loader.stream([tmp_path / "warm.csv"], LoadResult()))  # imports and caches before measuring
    peaks = {}
    for rows in (100, 500):
        (tmp_path / f"{rows}").mkdir()
        with open(tmp_path / f"{rows}" / "archive.csv", "w", encoding="utf-8", newline="") as out:
            out.write("id,title,content\n")
            for row in range(rows):
                out.write(f'{row},"Report {row}","{" ".join(words.choices(vocabulary, k=2_000))}"\n')
        result = LoadResult()
        tracemalloc.start()
        count = sum(1 for _ in loader.stream([tmp_path / f"{rows}"], result))
        peaks[rows] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert count == rows and not result.warnings
    assert (tmp_path / "500" / "archive.csv").stat().st_size > 10_000_000
    # five times the rows: the same peak, give or take the de-duplicator's ~1 KB a document
    assert peaks[500] < peaks[100] * 1.3, peaks
