"""The BM25 columns on disk score exactly as bm25s does, segments with deletions score as one index
of their live rows, and the postings budget keeps the rarest terms."""

import bm25s
import numpy as np

from rag.index.lexical import CHUNK_B, CHUNK_K1, Columns, LexicalIndex, write_lexical_index
from rag.text import lexical_terms


def test_scores_equal_bm25s_lucene(tmp_path, seed_documents):
    rows = [lexical_terms(sentence) for document in seed_documents for sentence in document.text.split("\n")
            if sentence.strip()]
    write_lexical_index(tmp_path, "rows", iter(rows), CHUNK_K1, CHUNK_B)
    ours = LexicalIndex([Columns(tmp_path, "rows")], CHUNK_K1, CHUNK_B)
    vocabulary: dict[str, int] = {}
    ids = [[vocabulary.setdefault(term, len(vocabulary)) for term in terms] for terms in rows]
    reference = bm25s.BM25(k1=CHUNK_K1, b=CHUNK_B, method="lucene")
    reference.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocabulary), show_progress=False)
    for question in ["كم عدد المدنيين المحاصرين في شرق حلب", "المجلس المحلي لمدينة حلب حلب"]:
        terms = lexical_terms(question)
        known = [term for term in terms if term in vocabulary]
        assert np.allclose(ours.scores(terms), reference.get_scores(known), atol=1e-4)
        # the stored saturations (a segment of the index's average length) and the frequencies agree
        weighed = LexicalIndex([Columns(tmp_path, "rows")], CHUNK_K1, CHUNK_B)
        weighed._norms = [weighed.statistics.norm(np.asarray(weighed.segments[0].lengths), CHUNK_K1, CHUNK_B)]
        assert ours._norms == [None] and np.allclose(weighed.scores(terms), ours.scores(terms), atol=1e-5)
    assert not ours.scores(lexical_terms("xyzzy plugh")).any()


def test_a_postings_budget_drops_the_commonest_terms_first(tmp_path):
    rows = [["common", "rare"] if i == 7 else ["common", f"word{i}"] for i in range(100)]
    write_lexical_index(tmp_path, "rows", iter(rows), 1.2, 0.75)
    index = LexicalIndex([Columns(tmp_path, "rows")], 1.2, 0.75)
    full, pruned = index.scores(["common", "rare"]), index.scores(["common", "rare"], budget=10)
    assert (full > 0).all() and np.flatnonzero(pruned).tolist() == [7]  # "common" (100 rows) left out
    assert np.argmax(full) == np.argmax(pruned) == 7


def test_segments_with_deleted_rows_score_as_one_index_of_the_live_rows(tmp_path, seed_documents):
    rows = [lexical_terms(sentence) for document in seed_documents for sentence in document.text.split("\n")
            if sentence.strip()]
    cut = len(rows) // 2
    deleted = np.zeros(cut, bool)
    deleted[::3] = True  # a third of the first segment's rows replaced or removed since it was written
    for name, part in (("first", rows[:cut]), ("second", rows[cut:]),
                       ("whole", [row for i, row in enumerate(rows[:cut]) if not deleted[i]] + rows[cut:])):
        (tmp_path / name).mkdir()
        write_lexical_index(tmp_path / name, name, iter(part), CHUNK_K1, CHUNK_B)
    segmented = LexicalIndex([Columns(tmp_path / "first", "first"), Columns(tmp_path / "second", "second")],
                             CHUNK_K1, CHUNK_B, live=[~deleted, None])
    whole = LexicalIndex([Columns(tmp_path / "whole", "whole")], CHUNK_K1, CHUNK_B)
    live = np.concatenate([~deleted, np.ones(len(rows) - cut, bool)])
    for question in ["كم عدد المدنيين المحاصرين في شرق حلب", "دي ميستورا مجلس الأمن", "النظام السوري قصف إدلب"]:
        scores = segmented.scores(lexical_terms(question))
        assert scores[live].any() and not scores[~live].any()
        assert np.allclose(scores[live], whole.scores(lexical_terms(question)), atol=1e-5)
