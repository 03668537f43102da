"""Runs an exported ONNX embedding graph (embeddings.onnx_export) as a sentence-transformers input
module, so it is used through `SentenceTransformer.encode` like every other model: prompts,
length-sorted batches and the progress bar come from sentence-transformers.

Measured on 2 cores over the 120 xquad-dev paragraphs: int8 ONNX embeds 1.5-2x faster than fp32
(1.7 against 0.8-1.1 paragraphs/s), for dense R@1 within a point (Arabic questions 0.884 against
0.894, English 0.913 against 0.913).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from sentence_transformers.base.modules.input_module import InputModule

PAD_ID = 0  # Gemma's <pad>


class OnnxEmbeddingModule(InputModule):
    """preprocess() tokenises and runs the ONNX graph, and hands `sentence_embedding` downstream."""

    def __init__(self, model_folder: Path, onnx_file: str, max_tokens: int, dimension: int,
                 threads: int = 2) -> None:
        super().__init__()
        import onnxruntime
        from tokenizers import Tokenizer

        # The fast tokenizer's own file loads in a third of the time transformers' AutoTokenizer takes.
        self.tokenizer = Tokenizer.from_file(str(Path(model_folder) / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.enable_padding(pad_id=PAD_ID)
        self.max_seq_length = max_tokens
        self.dimension = dimension
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        self.session = onnxruntime.InferenceSession(str(Path(model_folder) / onnx_file), options,
                                                    providers=["CPUExecutionProvider"])

    def preprocess(self, inputs, prompt: str | None = None, **kwargs) -> dict[str, Any]:
        texts = [(prompt or "") + str(text) for text in inputs]  # sentence-transformers hands the prompt apart
        if not texts:
            return {"sentence_embedding": torch.zeros((0, self.dimension))}
        encodings = self.tokenizer.encode_batch(texts)
        vectors = self.session.run(None, {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                                          "attention_mask": np.array([e.attention_mask for e in encodings],
                                                                     dtype=np.int64)})[0]
        return {"sentence_embedding": torch.from_numpy(vectors)}

    def forward(self, features: dict[str, Any], **kwargs) -> dict[str, Any]:
        return features

    def get_embedding_dimension(self) -> int:
        return self.dimension

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def save(self, output_path: str, *args, **kwargs) -> None:
        raise NotImplementedError("the ONNX module is built from an installed model folder, not saved")
