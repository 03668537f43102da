"""Fuzzing the boundaries: random bytes, random Unicode (every plane, controls, direction marks,
lone surrogates) and random JSON/CSV shapes must give results or one-line errors, never a
traceback. Bounded: a fixed number of examples each, on the light model's real index."""

import csv
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag import Retriever
from rag.answer.assistant import Assistant
from rag.config import Settings
from rag.errors import IsnadError
from rag.answer.llm.backends import load_backend
from rag.ingest.loaders import CorpusLoader

ANY_CHARACTER = st.characters(exclude_categories=())  # surrogates and controls included
DIRECTION_MARKS = st.sampled_from(list("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"))
TEXT = st.text(st.one_of(ANY_CHARACTER, DIRECTION_MARKS, st.sampled_from(list("حلب إدلب ,\"\n"))), max_size=300)
JSON_VALUE = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
                          lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                          max_leaves=12)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogatepass")  # lone surrogates become invalid UTF-8, as on disk


@st.composite
def corpus_files(draw) -> dict[str, bytes]:
    files = {}
    for n in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["bytes", "text", "jsonl", "csv"]))
        if kind == "bytes":
            files[f"{n}{draw(st.sampled_from(['.txt', '.md', '.csv', '.jsonl', '.bin']))}"] = draw(st.binary(max_size=400))
        elif kind == "text":
            files[f"{n}.txt"] = _encoded(draw(TEXT))
        elif kind == "jsonl":
            rows = draw(st.lists(st.one_of(JSON_VALUE, st.fixed_dictionaries(
                {"id": JSON_VALUE, "content": JSON_VALUE, "date": JSON_VALUE})), max_size=5))
            files[f"{n}.jsonl"] = _encoded("\n".join(json.dumps(row) for row in rows))
        else:
            table = io.StringIO()
            csv.writer(table).writerows(draw(st.lists(st.lists(TEXT, max_size=5), max_size=5)))
            text = table.getvalue()
            cut = draw(st.integers(0, len(text)))  # a quote or a row cut anywhere
            files[f"{n}.csv"] = _encoded("id,title,content,date\n" + text[:cut] + draw(st.sampled_from(['', '"', '\n'])))
    return files


@FUZZ
@given(corpus_files())
def test_loaders_never_raise_on_random_files(files):
    with tempfile.TemporaryDirectory() as folder:
        for name, content in files.items():
            (Path(folder) / name).write_bytes(content)
        result = CorpusLoader().run([Path(folder)])
    ids = [document.id for document in result.documents]
    assert len(ids) == len(set(ids))
    assert all(document.text.strip() for document in result.documents)


@pytest.fixture(scope="module")
def assistant(light_seed_index, light_embedder):
    return Assistant(Retriever.open(light_seed_index, embedder=light_embedder), load_backend("extractive", Settings()))


@FUZZ
@given(query=TEXT, k=st.one_of(st.integers(-2, 50), TEXT, st.none()), filters=st.one_of(st.none(), JSON_VALUE))
def test_search_gives_results_or_a_clear_error(assistant, query, k, filters):
    try:
        passages = assistant.retriever.search(query, k=k, filters=filters)
    except IsnadError as error:
        assert str(error) and "\n" not in str(error)
    else:
        assert len(passages) <= k


@FUZZ
@given(question=TEXT, history=st.one_of(st.none(), JSON_VALUE, st.lists(
    st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"]), "content": TEXT}), max_size=3)))
def test_ask_gives_an_answer_or_a_clear_error(assistant, question, history):
    try:
        answer = assistant.ask(question, history=history)
    except IsnadError as error:
        assert str(error) and "\n" not in str(error)
    else:
        assert answer.text and all(1 <= c.n <= len(answer.citations) for c in answer.citations)
