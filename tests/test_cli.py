import json

import pytest

from click.testing import CliRunner

from rag.cli import main


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("where", ["index", "milvus:{}/index.db"])
def test_index_then_search_json(corpus_copy, tmp_path, where):
    index_dir = str(tmp_path / "index") if where == "index" else where.format(tmp_path)
    result = run("index", "--corpus", str(corpus_copy), "--index", index_dir)
    assert result.exit_code == 0, result.output
    assert "5 added" in result.output
    again = run("index", "--corpus", str(corpus_copy), "--index", index_dir)
    assert "5 unchanged" in again.output and "0 of" in again.output
    found = run("search", "مع من التقى رئيس الائتلاف في بروكسل؟", "--index", index_dir, "--k", "2", "--json")
    passages = json.loads(found.output)
    assert len(passages) == 2 and passages[0]["doc_id"] == "003_b8689e71eb8b336f.txt"
    assert {"doc_id", "title", "text", "score", "start", "end", "metadata"} <= set(passages[0])
    health = run("index", "--verify", "--index", index_dir)
    assert health.exit_code == 0 and "healthy: 5 documents" in health.output
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "idlib.txt").write_text("قصف على إدلب\nقصفت الطائرات مشفى في مدينة إدلب فجر اليوم.", "utf-8")
    added = run("index", "--add", "--corpus", str(tmp_path / "new"), "--index", index_dir)
    assert "1 added" in added.output and "0 removed" in added.output, added.output
    assert "healthy: 6 documents" in run("index", "--verify", "--index", index_dir).output


def test_errors_are_one_line_without_traceback(seed_index, tmp_path):
    for args, message in [
        (("search", "", "--index", str(seed_index)), "the query is empty"),
        (("search", "x" * 100_000, "--index", str(seed_index)), "limit is 2,000"),
        (("search", "حلب", "--index", str(tmp_path / "missing")), "no index at"),
        (("search", "حلب", "--index", str(seed_index), "--model", "BAAI/bge-m3"), "was built with"),
        (("index", "--corpus", str(tmp_path / "nowhere"), "--index", str(tmp_path / "i")), "not found"),
    ]:
        result = run(*args)
        assert result.exit_code == 1
        assert message in result.output
        assert "Traceback" not in result.output
        assert result.output.startswith("Error: ") and result.output.count("\n") == 1


def test_ask_ends_a_shown_draft_before_the_checked_answer_that_replaced_it(monkeypatch, seed_index):
    from rag.answer.assistant import Assistant
    from rag.answer.result import Answer

    def stream(self, question, history=None, filters=None):
        yield "100 ألف مدني."
        yield Answer("تختلف الأرقام بين التقارير: ...", [], False, "ar", "figures", {}, [])

    monkeypatch.setattr(Assistant, "stream", stream)
    result = run("ask", "كم مدنياً محاصراً في شرقي حلب؟", "--index", str(seed_index), "--llm", "extractive")
    assert result.exit_code == 0 and "100 ألف مدني.\nتختلف الأرقام" in result.output
