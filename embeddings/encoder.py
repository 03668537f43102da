"""`Embedder`: one entry point for every embedding model, built on sentence-transformers.

    >>> embedder = Embedder("use-multilingual")
    >>> embedder.encode_queries(["ما الذي حدث في حلب؟"]).shape
    (1, 512)

Two models work offline: "embeddinggemma-300m" (the default: EmbeddingGemma-300M, installed and
verified by `isnad setup`, run as int8 ONNX) and "use-multilingual" (Universal Sentence Encoder,
from its PyPI package: light and fast, weaker). Any sentence-transformers model name
(`google/embeddinggemma-300m`, `intfloat/multilingual-e5-base`, `BAAI/bge-m3`, or a local folder)
works where it can be loaded; e5 models get their required "query: " / "passage: " prefixes.
"""

from __future__ import annotations

import functools
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

from embeddings import embeddinggemma
from rag.errors import ModelUnavailableError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

USE_MODEL_NAME = "use-multilingual"
PROGRESS_BATCHES = 4  # batches per progress-bar step: each step is sorted by length inside sentence-transformers
_E5_PROMPTS = {"query": "query: ", "document": "passage: "}
_LOADING = threading.Lock()
# A document prompt with a place for the title (EmbeddingGemma's "title: none | text: "). Filled in
# for chunks, measured on xquad-dev (hybrid R@1): Arabic 0.961 -> 0.964, English->Arabic 0.926 -> 0.930.
_TITLE_SLOT = "title: none"
_LOADED: dict[tuple[str, str, int, str], "SentenceTransformer"] = {}


def prompts_for(model_name: str) -> dict[str, str] | None:
    """Query/document prefixes a model family was trained with (None: the model knows its own)."""
    name = model_name.lower()
    if "e5" in name and "instruct" not in name:
        return dict(_E5_PROMPTS)
    return None


class Embedder:
    """Encodes queries and documents into unit-length float32 vectors."""

    def __init__(self, model_name: str = embeddinggemma.MODEL_NAME, batch_size: int = 16, threads: int = 2,
                 home: Path | None = None, device: str = "cpu") -> None:
        self.model_name = model_name
        self.batch_size = batch_size
        self.threads = threads
        self.device = device  # "cuda" for a hub model on a GPU; the offline models run on the CPU
        self.home = home  # where `isnad setup` installed offline models (None: the configured one)
        self._model: SentenceTransformer | None = None
        # Per instance (a cache on the method would keep every Embedder alive): one question is
        # embedded by retrieval and again by the sentence picker.
        self._query_vector = functools.lru_cache(maxsize=64)(self._embed_query)

    def warm_up(self) -> None:
        """Load the model, once per process: every Embedder (and thread) of the same model shares it."""
        if self._model is None:
            key = (self.model_name, str(self.home), self.threads, self.device)
            with _LOADING:
                if key not in _LOADED:
                    _LOADED[key] = self._load()
            self._model = _LOADED[key]

    def _load(self) -> "SentenceTransformer":
        from sentence_transformers import SentenceTransformer

        if self.model_name == USE_MODEL_NAME:
            from embeddings.use_module import UniversalSentenceEncoderModule

            return SentenceTransformer(modules=[UniversalSentenceEncoderModule(self.threads)], device="cpu")
        if self.model_name == embeddinggemma.MODEL_NAME:
            return self._load_embeddinggemma()
        try:
            return SentenceTransformer(self.model_name, device=self.device, prompts=prompts_for(self.model_name))
        except Exception as error:  # hub unreachable, unknown name, broken folder
            raise ModelUnavailableError(
                f"cannot load embedding model {self.model_name!r} ({type(error).__name__}: {error}); "
                f"use {USE_MODEL_NAME!r} offline or a model folder on disk"
            ) from error

    def _load_embeddinggemma(self) -> "SentenceTransformer":
        from sentence_transformers import SentenceTransformer

        from embeddings.onnx_module import OnnxEmbeddingModule
        from rag.config import Settings

        folder = embeddinggemma.installed_folder(self.home or Settings.from_env().home)
        module = OnnxEmbeddingModule(folder, embeddinggemma.ONNX_FILE, embeddinggemma.MAX_TOKENS,
                                     embeddinggemma.DIMENSION, self.threads)
        return SentenceTransformer(modules=[module], device="cpu", prompts=dict(embeddinggemma.PROMPTS))

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
        if len(texts) == 1:
            return self._query_vector(texts[0])[None, :]
        return self._encode(texts, "query", progress_bar=False)

    def _embed_query(self, text: str) -> np.ndarray:
        vector = self._encode([text], "query", progress_bar=False)[0]
        vector.flags.writeable = False
        return vector

    def encode_documents(self, texts: list[str], progress_bar: bool = False,
                         titles: list[str] | None = None) -> np.ndarray:
        """Passage vectors. With `titles` (each text's article title), the title goes where the model's
        document prompt has a place for it (EmbeddingGemma's "title: ... | text: ", as it was
        trained), else on a line before the text."""
        if titles is None:
            return self._encode(texts, "document", progress_bar=progress_bar)
        template = self.document_template
        titled = [template.format(title=" ".join(title.split()) or "none", text=text)
                  for title, text in zip(titles, texts, strict=True)]
        return self._encode(titled, None, progress_bar=progress_bar)

    @property
    def document_template(self) -> str:
        """How a titled passage is put to the model (an index records it: vectors made from other
        inputs are not comparable)."""
        prompt = (self.model.prompts or {}).get("document", "").replace("{", "{{").replace("}", "}}")
        if _TITLE_SLOT in prompt:
            return prompt.replace(_TITLE_SLOT, "title: {title}", 1) + "{text}"
        return prompt + "{title}\n{text}"

    def _encode(self, texts: list[str], prompt_name: str | None, progress_bar: bool) -> np.ndarray:
        model = self.model
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        prompt = prompt_name if prompt_name in (model.prompts or {}) else None
        step = len(texts) if not progress_bar else self.batch_size * PROGRESS_BATCHES
        parts = []
        with tqdm(total=len(texts), unit="text", desc="embedding", disable=not progress_bar, smoothing=0.1) as bar:
            for start in range(0, len(texts), step):
                parts.append(model.encode(list(texts[start:start + step]), prompt_name=prompt,
                                          batch_size=self.batch_size, normalize_embeddings=True,
                                          convert_to_numpy=True, show_progress_bar=False))
                bar.update(len(parts[-1]))
        return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32).reshape(len(texts), -1)
