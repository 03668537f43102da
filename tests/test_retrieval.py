"""The real model and the real index: every seed article must be found first in both languages.

Every test that takes `backend` runs twice: on the embedded index (a folder) and on Milvus Lite."""

import pytest

from rag import Retriever
from rag.errors import IndexCorruptError, IndexMissingError, ModelMismatchError, QueryError
from rag.index import vectors
from rag.index.backend import copy_index
from rag.index.indexer import Indexer
from rag.index.store import IndexData, IndexStore
from rag.ingest.loaders import CorpusLoader
from tests.conftest import CORPUS, FAKES_CSV

QUESTIONS = {
    "000_ae54cc0608da1c8c.txt": ["ماذا طلب المرصد السوري من ديمستورا؟",
                                 "Why does the Syrian Observatory want foreign pro-regime fighters removed from Aleppo?"],
    "001_0b8ef82dd97cd181.txt": ["كم طفلاً أحرقت قوات النظام في حيي الفردوس والكلاسة؟",
                                 "How many children were burned alive in Aleppo according to a witness?"],
    "002_239a53276f838fa4.txt": ["ماذا طلب رئيس المجلس المحلي لحلب في مؤتمره الصحفي مع وزير الخارجية الفرنسي؟",
                                 "What did the head of the Aleppo local council ask for at the press conference "
                                 "with the French foreign minister?"],
    "003_b8689e71eb8b336f.txt": ["مع من التقى رئيس الائتلاف في بروكسل؟",
                                 "What did the coalition president discuss in Brussels about Idlib?"],
    "004_e713a1ed33e76c5f.txt": ["كم مدنياً قتل في حي الحميدية في دير الزور؟",
                                 "Which town in the eastern countryside of Deir ez-Zor was bombed at dawn?"],
}


@pytest.fixture(scope="module", params=["embedded", "milvus"])
def backend(request):
    return request.param


def index_in(backend, tmp_path_factory, embedder, documents, built_already=None):
    """Where an index of these documents is, built in the backend's own store."""
    if backend == "embedded" and built_already is not None:
        return built_already
    folder = tmp_path_factory.mktemp(backend)
    location = folder / "index" if backend == "embedded" else f"milvus:{folder / 'index.db'}"
    Indexer(location, embedder).run(documents)
    return location


@pytest.fixture(scope="module")
def retriever(backend, tmp_path_factory, seed_index, seed_documents, embedder):
    return Retriever.open(index_in(backend, tmp_path_factory, embedder, seed_documents, seed_index), embedder=embedder)


@pytest.fixture(scope="module")
def light_retriever(backend, tmp_path_factory, light_seed_index, seed_documents, light_embedder):
    location = index_in(backend, tmp_path_factory, light_embedder, seed_documents, light_seed_index)
    return Retriever.open(location, embedder=light_embedder)


@pytest.mark.parametrize("model", ["retriever", "light_retriever"])
@pytest.mark.parametrize("doc_id,question", [(d, q) for d, qs in QUESTIONS.items() for q in qs])
def test_each_seed_article_is_found_first(request, backend, model, doc_id, question):
    passages = request.getfixturevalue(model).search(question, k=5)
    assert passages[0].doc_id == doc_id


def test_passages_carry_offsets_into_the_document(retriever):
    passage = retriever.search("100 ألف مدني محاصرون في شرقي حلب", k=1)[0]
    document = retriever.index.documents[passage.doc_id]
    assert document.text[passage.start:passage.end] == passage.text
    assert passage.title and passage.metadata is not None and passage.score > 0


def test_k_larger_than_the_index_returns_every_chunk_once(retriever):
    passages = retriever.search("حلب", k=10_000)
    assert len(passages) == len(retriever.index.chunks)
    assert len({p.chunk_id for p in passages}) == len(passages)


@pytest.mark.parametrize("query,message", [("", "empty"), ("   \n", "empty"), ("x" * 100_000, "limit")])
def test_bad_queries_get_clear_errors(retriever, query, message):
    with pytest.raises(QueryError, match=message):
        retriever.search(query)


@pytest.mark.parametrize("arguments,message", [
    ({"k": 0}, "at least 1"), ({"k": "3"}, "whole number"), ({"k": 2.5}, "whole number"),
    ({"filters": "x"}, "filters must be a dict"), ({"query": 42}, "must be text")])
def test_api_misuse_gets_clear_errors(retriever, arguments, message):
    with pytest.raises(QueryError, match=message):
        retriever.search(**{"query": "حلب", **arguments})


def test_undecodable_bytes_and_direction_marks_do_not_change_the_answer(retriever):
    question = QUESTIONS["003_b8689e71eb8b336f.txt"][0]
    wrapped = "\u202b" + question.replace(" ", " \u200f", 2) + "\u202c\udcff"
    assert retriever.search(wrapped)[0].doc_id == retriever.search(question)[0].doc_id == "003_b8689e71eb8b336f.txt"


def test_as_langchain_returns_documents_with_metadata(retriever):
    documents = retriever.as_langchain(k=2).invoke("مع من التقى رئيس الائتلاف في بروكسل؟")
    assert len(documents) == 2
    assert documents[0].metadata["doc_id"] == "003_b8689e71eb8b336f.txt"
    assert {"title", "score", "start", "end"} <= set(documents[0].metadata)


def test_missing_index(tmp_path):
    with pytest.raises(IndexMissingError, match="isnad index"):
        Retriever.open(tmp_path / "none")


def test_corrupted_index(seed_index_copy):
    segment = next((seed_index_copy / "segments").iterdir())
    (segment / "chunks.npy").write_bytes(b"garbage")
    with pytest.raises(IndexCorruptError, match="damaged"):
        Retriever.open(seed_index_copy)


def test_index_built_with_another_model(seed_index):
    with pytest.raises(ModelMismatchError, match="embeddinggemma-300m.*--model use-multilingual"):
        Retriever.open(seed_index, model="use-multilingual")


@pytest.fixture(scope="module")
def mixed_retriever(backend, tmp_path_factory, light_embedder):
    """Filters do not depend on the encoder: the light one indexes 205 articles in seconds."""
    documents = CorpusLoader().run([CORPUS, FAKES_CSV]).documents[:205]  # 5 seed + 200 FA-KES rows
    return Retriever.open(index_in(backend, tmp_path_factory, light_embedder, documents), embedder=light_embedder)


def test_both_backends_rank_alike_and_refuse_another_model(seed_index, seed_documents, embedder, tmp_path_factory):
    embedded = Retriever.open(seed_index, embedder=embedder)
    location = index_in("milvus", tmp_path_factory, embedder, seed_documents)
    milvus = Retriever.open(location, embedder=embedder)
    for question in [q for qs in QUESTIONS.values() for q in qs]:
        for filters in (None, {"language": "ar", "date_from": "2016-12"}):
            expected = [(p.chunk_id, round(p.score, 4)) for p in embedded.search(question, k=8, filters=filters)]
            assert [(p.chunk_id, round(p.score, 4)) for p in milvus.search(question, k=8, filters=filters)] == expected
    with pytest.raises(ModelMismatchError, match="embeddinggemma-300m.*--model use-multilingual"):
        Retriever.open(location, model="use-multilingual")
    copied = f"milvus:{tmp_path_factory.mktemp('copied') / 'index.db'}"  # moved without embedding again
    assert copy_index(seed_index, copied) == len(embedded.index.chunks)
    question = QUESTIONS["002_239a53276f838fa4.txt"][1]
    assert [p.chunk_id for p in Retriever.open(copied, embedder=embedder).search(question, k=8)] == \
        [p.chunk_id for p in embedded.search(question, k=8)]


def test_an_index_past_the_exact_search_limit_ranks_as_exact_search(seed_index, embedder, tmp_path, monkeypatch):
    """The seed index's own vectors rewritten past the limit (8-bit chunk codes, 4-bit sentence
    codes, candidates rescored from float16 rows) and searched through the IVF codes."""
    monkeypatch.setattr(vectors, "EXACT_FILTERED_LIMIT", 0)  # else so few rows are scanned exactly
    exact = IndexStore(seed_index).read()
    manifest = {key: value for key, value in exact.manifest.items() if key not in ("files", "segments", "counts")}
    data = IndexData.of(manifest, exact.reusable(list(exact.documents)), exact.vocabulary, exact.vocabulary_vectors)
    IndexStore(tmp_path / "ivf").write(data, exact_search_limit=10)
    approximate = Retriever.open(tmp_path / "ivf", embedder=embedder)
    [segment] = approximate.index.segments
    assert segment.entry["vectors"]["chunks"]["kind"].endswith(",SQ8")
    assert segment.entry["vectors"]["sentences"]["kind"].endswith(",PQ384x4fs")
    exact = Retriever.open(seed_index, embedder=embedder)
    for question in [q for qs in QUESTIONS.values() for q in qs]:
        expected = {p.chunk_id: p.score for p in exact.search(question, k=5)}
        found = {p.chunk_id: p.score for p in approximate.search(question, k=5)}
        assert next(iter(found)) == next(iter(expected))
        assert len(found.keys() & expected.keys()) >= 4
        assert all(abs(found[c] - expected[c]) < 2e-3 for c in found.keys() & expected.keys())  # float16 rows


def test_filters_apply_before_top_k(mixed_retriever):
    chunks = mixed_retriever.index.chunks
    sources = sorted({c.metadata.get("source") for c in chunks} - {None})
    assert len(sources) > 3, "the FA-KES sample should hold several outlets"
    rarest = min(sources, key=lambda s: sum(c.metadata.get("source") == s for c in chunks))
    expected = [c for c in chunks if c.metadata.get("source") == rarest]
    passages = mixed_retriever.search("Aleppo", k=len(chunks), filters={"source": rarest})
    assert len(passages) == len(expected)  # every match, not the survivors of an unfiltered top-k
    assert all(p.metadata["source"] == rarest for p in passages)
    few = mixed_retriever.search("مجزرة في دير الزور", k=3, filters={"source": rarest})
    assert len(few) == min(3, len(expected))


def test_language_and_date_filters(mixed_retriever):
    arabic = mixed_retriever.search("Aleppo siege", k=5, filters={"language": "ar"})
    assert arabic and all(p.language == "ar" for p in arabic)
    dated = mixed_retriever.search("chemical attack", k=20, filters={"date_from": "2017-01-01", "date_to": "2017-12-31"})
    assert dated and all("2017-01-01" <= p.metadata["date"] <= "2017-12-31" for p in dated)


def test_english_question_finds_english_and_arabic_news(mixed_retriever):
    passages = mixed_retriever.search("civilians trapped in eastern Aleppo", k=5)
    assert all(p.dense_score > 0 for p in passages)
    arabic_first = mixed_retriever.search("civilians trapped in eastern Aleppo", k=3, filters={"language": "ar"})
    assert arabic_first[0].doc_id.endswith(".txt")


SHARED_PARAGRAPH = (
    "فرضت قوات النظام حصاراً خانقاً على بلدة الحولة في ريف حمص الشمالي منذ مطلع الشهر الماضي، ومنعت دخول "
    "قوافل الطحين والدواء إلى الأهالي المحاصرين في أحيائها القديمة وفي المخيمات المحيطة بها من كل الجهات.\n"
    "وقال ناشطون محليون إن أكثر من أربعين ألف مدني يعيشون داخل البلدة المحاصرة من دون كهرباء أو مياه نظيفة، "
    "وإن المشفى الميداني الوحيد فيها توقف عن العمل بعد نفاد الوقود والأدوية الأساسية خلال الأيام الأخيرة.\n"
    "وأضاف الناشطون أن الطائرات الحربية قصفت السوق الشعبي وسط البلدة مرتين خلال يوم واحد، ما أدى إلى مقتل "
    "عدد من المدنيين بينهم أطفال ونساء، وإلى دمار واسع في المحال التجارية والمنازل القريبة من الساحة العامة.\n")


def test_the_rest_of_the_article_decides_between_passages_that_read_alike(tmp_path, embedder):
    """Two outlets carry the same paragraph; the question's other words are only in the second one's article."""
    from rag.types import Document

    football = "وفي الرياضة، فاز نادي الكرامة على نادي الوحدة بثلاثة أهداف مقابل هدف في مباراة الدوري الممتازة."
    water = "وتوقفت محطة ضخ المياه في الرستن عن العمل بعد استهداف خزانها الرئيسي، وفق مديرية الموارد المائية."
    documents = [Document("a-sports-digest.txt", "خبر", SHARED_PARAGRAPH + football, "ar"),
                 Document("b-rastan-report.txt", "خبر", SHARED_PARAGRAPH + water, "ar")]
    Indexer(tmp_path / "index", embedder).run(documents)
    retriever = Retriever.open(tmp_path / "index", embedder=embedder)
    shared = [c for c in retriever.index.chunks if c.text.startswith("فرضت")]
    assert len(shared) == 2 and shared[0].text == shared[1].text  # the same passage, twice

    top = retriever.search("متى فرضت قوات النظام الحصار على بلدة الحولة ومنعت قوافل الطحين والدواء، بحسب تقرير الرستن؟", k=2)
    assert top[0].doc_id == "b-rastan-report.txt" and top[0].text.startswith("فرضت")
