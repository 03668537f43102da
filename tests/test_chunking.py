import pytest

from rag.ingest.chunking import SentenceChunker


def words(text: str) -> int:
    return len(text.split())


def test_chunks_slice_the_document_exactly_and_fit(seed_documents, embedder):
    chunker = SentenceChunker(embedder.count_tokens, max_tokens=160, overlap_tokens=32)
    chunks = chunker.run(seed_documents)["chunks"]
    by_id = {d.id: d for d in seed_documents}
    assert {c.doc_id for c in chunks} == set(by_id)
    for chunk in chunks:
        assert by_id[chunk.doc_id].text[chunk.start:chunk.end] == chunk.text
        assert embedder.count_tokens(chunk.text) <= 160 + 8  # pieces counted apart may merge by a few


def test_consecutive_chunks_overlap_and_cover_everything():
    text = " ".join(f"جملة رقم {i} عن القصف؟" for i in range(40))
    spans = SentenceChunker(words, max_tokens=20, overlap_tokens=5).split(text)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
        assert s2 < e1, "next chunk starts inside the previous one (overlap)"
        assert s2 > s1
    assert all(words(text[s:e]) <= 20 for s, e in spans)


def test_every_chunk_adds_text_the_previous_one_lacks():
    # a document's last sentences used to come back as a chunk of their own ("[1]" after a full chunk)
    text = "المشيمة عضو دائري يتصل بالجنين عن طريق الحبل السري.[1]"
    assert SentenceChunker(words, max_tokens=20, overlap_tokens=5).split(text) == [(0, len(text))]
    long_text = " ".join(f"جملة رقم {i} عن القصف؟" for i in range(40))
    spans = SentenceChunker(words, max_tokens=20, overlap_tokens=5).split(long_text)
    assert all(e2 > e1 for (_, e1), (_, e2) in zip(spans, spans[1:]))


def test_overlong_sentence_is_split_at_commas_then_words():
    sentence = "، ".join(["كلمة"] * 30) + " " + " ".join(["طويلة"] * 50) + "."
    spans = SentenceChunker(words, max_tokens=12, overlap_tokens=2).split(sentence)
    assert all(words(sentence[s:e]) <= 12 for s, e in spans)
    assert spans[-1][1] == len(sentence)


def test_overlap_must_be_smaller_than_chunk():
    with pytest.raises(ValueError):
        SentenceChunker(words, max_tokens=10, overlap_tokens=10)


def test_a_line_without_spaces_is_cut_into_chunks_of_bounded_size():
    def characters(text):  # a tokenizer that charges every 4 characters
        return max(1, len(text) // 4)

    spans = SentenceChunker(characters, max_tokens=160, overlap_tokens=32).split("x" * 1_000_000)
    assert len(spans) > 1000 and max(e - s for s, e in spans) <= 160 * 4
    assert spans[0][0] == 0 and spans[-1][1] == 1_000_000
