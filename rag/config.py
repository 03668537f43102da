"""Every setting in one place, with its default; environment variables override a few paths.

`ISNAD_INDEX` moves the default index (a folder or a Milvus location), `ISNAD_HOME` the data folder that holds the local
language model, `ISNAD_EMBEDDING_MODEL` picks the embedding model, `ISNAD_LLM` the answer backend,
`ISNAD_OPENAI_BASE_URL` / `ISNAD_OPENAI_MODEL` (key: `OPENAI_API_KEY`) an
OpenAI-compatible endpoint, `OLLAMA_HOST` Ollama. Nothing else reads os.environ.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

# EmbeddingGemma-300M, installed by `isnad setup`; "use-multilingual" is the light offline alternative.
DEFAULT_EMBEDDING_MODEL = "embeddinggemma-300m"


@dataclass(frozen=True)
class Settings:
    # Where the index lives: a folder, milvus:PATH (Milvus Lite) or milvus+http://HOST:19530 (a server).
    index: str = ".isnad/index"
    corpus_paths: tuple[Path, ...] = (Path("corpus"),)
    home: Path = Path.home() / ".isnad"
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    # Chunks are sized in the embedding model's own tokens (what it really reads).
    chunk_tokens: int = 160
    chunk_overlap_tokens: int = 32
    embed_batch_size: int = 16
    # Above this many chunks exact search gets slow enough to switch FAISS to HNSW.
    exact_search_limit: int = 50_000
    max_query_chars: int = 2_000
    max_file_bytes: int = 50 * 1024 * 1024  # an article file (.txt, .md); tables are streamed, any size
    near_duplicate_threshold: float = 0.9
    default_k: int = 5
    # Answering: the local model by default; "extractive" needs no model at all.
    llm: str = "local"
    llm_context_tokens: int = 2048
    # Passages given to the model, in its own tokens: small keeps the first token fast on 2 cores.
    llm_passage_budget: int = 360
    llm_max_answer_tokens: int = 220
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_api_key: str | None = field(default=None, repr=False)  # secret: never printed
    ollama_base_url: str | None = None

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Defaults, then the environment (ENVIRONMENT), then explicit overrides (None = not given)."""
        from_env = {field_name: convert(os.environ[variable])
                    for variable, (field_name, convert) in ENVIRONMENT.items() if os.environ.get(variable)}
        given = {key: value for key, value in overrides.items() if value is not None}
        return replace(cls(), **{**from_env, **given})


# Environment variable -> (setting, conversion).
ENVIRONMENT = {
    "ISNAD_INDEX": ("index", str),
    "ISNAD_HOME": ("home", Path),
    "ISNAD_EMBEDDING_MODEL": ("embedding_model", str),
    "ISNAD_LLM": ("llm", str),
    "ISNAD_OPENAI_BASE_URL": ("openai_base_url", str),
    "ISNAD_OPENAI_MODEL": ("openai_model", str),
    "OPENAI_API_KEY": ("openai_api_key", str),
    "OLLAMA_HOST": ("ollama_base_url", str),
}


@dataclass(frozen=True)
class Calibration:
    """Weights and thresholds that depend on the embedding model: each encoder has its own scale
    of similarities, so each is calibrated on its own, on the development sets named beside it."""

    # Retrieval (rag.search.retriever): a passage's score is its dense similarity, blended with its best
    # sentence's, plus BM25 scaled to the best match times these weights.
    sentence_weight: float        # share of the dense score from the passage's best sentence
    lexical_weight: float         # a fully confident BM25 match, for a question in the passage's language
    translated_weight: float      # the same for a word-by-word translated question; 0: never translate
    document_share: float         # share of lexical_weight given to BM25 over the whole article
    title_share: float            # ... and over its title
    # Relevance gate (rag.answer.assistant): answer only when the best passage is close enough.
    min_dense: float              # dense score that alone makes a passage in the other language relevant
    min_dense_same_language: float  # ... or one in the question's language
    min_coverage: float           # or, in the question's language: the share of its words the passage holds...
    min_dense_with_words: float   # ... together with at least this dense score
    # Extractive picks (rag.answer.grounding): similarity + weighted question-word coverage of a quoted
    # sentence, less a penalty for a pair of sentences (a longer quote).
    pick_coverage_weight: float
    pair_penalty: float
    min_sentence_score: float
    min_sentence_score_across: float  # for a sentence in the other language
    # An article in the other language is gathered into a multi-source answer (rag.answer.reports) on a
    # sentence few unrelated ones reach: across languages no word of the question backs the pick.
    min_gathered_across: float
    # "How many" across languages: the words around a count against the question's counted phrase.
    min_count_similarity: float
    # Support check of an answer sentence against a cited sentence in another language.
    min_support_across: float

    @property
    def translates(self) -> bool:
        return self.translated_weight > 0


CALIBRATIONS = {
    # Universal Sentence Encoder: unrelated texts score < 0.13, a cross-language answer from ~0.3.
    # Retrieval weights: ARCD R@1 0.742, TyDi 0.917 (eval.benchmark_retrieval). Gate: on ARCD a
    # coverage of 0.6 refused 25% of answerable questions, 0.5 refuses 13%. Word-by-word translation
    # took the 12 English seed questions from 5 to 11 right answers (rag.translation).
    "use-multilingual": Calibration(
        sentence_weight=0.5, lexical_weight=2.0, translated_weight=1.0, document_share=0.1, title_share=0.2,
        min_dense=0.3, min_dense_same_language=float("inf"), min_coverage=0.5, min_dense_with_words=0.15,
        pick_coverage_weight=1.0, pair_penalty=0.15, min_sentence_score=0.4, min_sentence_score_across=0.3,
        min_gathered_across=0.54,
        # min_count_similarity: not calibrated for USE; only used when translation finds no word.
        # min_gathered_across (eval.calibrate_gathering): admits 4.0% of unrelated paragraphs, keeps 54.3% of right ones.
        min_count_similarity=0.5, min_support_across=0.5),
    # EmbeddingGemma-300M (int8 ONNX), tuned on the development sets only (xquad-dev, ARCD, TyDi, own sets).
    # Retrieval, whole-paragraph R@1 (eval.benchmark_retrieval): dense chunk vectors alone 0.895 Arabic /
    # 0.913 English questions on xquad-dev; + best sentence (0.5) 0.913 / 0.926; + BM25 at 0.2 (document
    # 0.1, title 0.2) 0.959-0.964 Arabic; ARCD 0.767, TyDi 0.959. A heavier BM25 helps ARCD a little
    # (0.4: +1 point) and hurts xquad-dev (-1.5). Translated BM25 for English questions gained under a
    # point before prompts were used and costs a vocabulary to embed: off.
    # Gate (eval.benchmark_gate): another corpus's questions refused 99.4% (xquad-dev -> seed 99.5% /
    # 99.7%, own sets -> xquad-dev 100%); answerable questions refused 2.8% xquad-dev Arabic, 3.1%
    # English, 2.3% ARCD, 0% own sets. Unanswerable best dense p95 0.19-0.30; answerable p5 0.31-0.40.
    # Picks: the 2nd percentile of the best pick on xquad-dev (0.43 Arabic, 0.28 English questions);
    # coverage weight 0.5 and pair penalty 0.05 put the answer in the top pick 82% / 75%.
    # Counts across languages (eval.calibrate_counts: 69 English "how many" questions over xquad-dev's
    # Arabic paragraphs; the counted thing up to its first function word, "interceptions" not
    # "interceptions are the"): right count phrases median 0.457, other counts p75 0.368; 0.35 keeps
    # 76.9% of the right ones and admits 32.3% of the others (0.38 separates best: 69.2% / 21.3%);
    # those 69 questions' answers hold the fact 47 times (43 with the longer phrase), refused 14 (18).
    # Support across languages: aligned xquad-dev sentences (English vs Arabic) 0.6 keeps 93.6% of
    # faithful pairs and accepts 1.9% of other sentences of the same paragraph.
    # Gathering across languages (eval.calibrate_gathering): 0.44 is the lowest bar admitting <= 4% of
    # the other paragraphs xquad-dev's English questions retrieve (3.7%); it keeps 55.3% of the right ones.
    # (0.42 when first chosen, 62.3% / 3.8%: later picker changes moved the scores. The multi-source set,
    # xquad-dev's 200 answers and the seed sets gave the same figures with either bar.)
    "embeddinggemma-300m": Calibration(
        sentence_weight=0.5, lexical_weight=0.2, translated_weight=0.0, document_share=0.1, title_share=0.2,
        min_dense=0.28, min_dense_same_language=0.33, min_coverage=0.5, min_dense_with_words=0.25,
        pick_coverage_weight=0.5, pair_penalty=0.05, min_sentence_score=0.43, min_sentence_score_across=0.28,
        min_gathered_across=0.44,
        min_count_similarity=0.35, min_support_across=0.6),
}


def calibration_for(model_name: str) -> Calibration:
    """The model's own calibration; other models (e5, bge-m3: cosine scales like EmbeddingGemma's)
    take the default model's."""
    return CALIBRATIONS.get(model_name, CALIBRATIONS[DEFAULT_EMBEDDING_MODEL])
