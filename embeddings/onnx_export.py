"""Export a sentence-transformers EmbeddingGemma folder to one ONNX graph with int8 weights.

The graph holds the whole model: the Gemma encoder, mean pooling, the two dense projections and
the normalisation, from (input_ids, attention_mask) to a unit vector. The attention masks are
passed in ready-made (full, bidirectional) because the tracer cannot follow the masking functions
of transformers; up to `MAX_TOKENS` tokens that is exactly what the sliding-window layers see.
Checked after export: the graph's vectors match PyTorch's within 1e-4.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from embeddings.embeddinggemma import PROMPTS

_CHECK_TEXTS = [PROMPTS["document"] + "قال الدفاع المدني إن 100 ألف مدني محاصرون في شرق حلب",
                PROMPTS["query"] + "How many civilians?"]


def export_int8(model_folder: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_folder), device="cpu")
    graph = WholeModel(model).eval()
    features = model.tokenizer(_CHECK_TEXTS, padding=True, return_tensors="pt")
    inputs = (features["input_ids"], features["attention_mask"])
    with torch.no_grad():
        expected = graph(*inputs).numpy()
    target.parent.mkdir(parents=True, exist_ok=True)
    fp32 = target.with_name("model-fp32.onnx")
    torch.onnx.export(graph, inputs, str(fp32), input_names=["input_ids", "attention_mask"],
                      output_names=["embedding"], opset_version=18, dynamo=False,
                      dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                    "attention_mask": {0: "batch", 1: "tokens"}, "embedding": {0: "batch"}})
    _check(fp32, inputs, expected, tolerance=1e-4)
    partial = target.with_name(target.name + ".partial")
    quantize_dynamic(str(fp32), str(partial), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"])
    fp32.unlink()
    _check(partial, inputs, expected, tolerance=0.1)  # int8 moves vectors a little, never far
    os.replace(partial, target)


def _check(path: Path, inputs, expected: np.ndarray, tolerance: float) -> None:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    actual = session.run(None, {"input_ids": inputs[0].numpy(), "attention_mask": inputs[1].numpy()})[0]
    if np.abs(actual - expected).max() > tolerance:
        raise RuntimeError(f"the exported model disagrees with PyTorch (max difference "
                           f"{np.abs(actual - expected).max():.3g}); the export is not usable")


class WholeModel(torch.nn.Module):
    """Encoder -> mean pooling -> Dense -> Dense -> unit length, as one traceable module."""

    def __init__(self, model) -> None:
        super().__init__()
        self.encoder = model[0].auto_model
        self.projections = torch.nn.ModuleList([model[2], model[3]])

    def forward(self, input_ids, attention_mask):
        tokens = input_ids.shape[1]
        mask = attention_mask[:, None, None, :].to(torch.bool).expand(-1, 1, tokens, tokens)
        hidden = self.encoder(input_ids=input_ids, attention_mask={
            "full_attention": mask, "sliding_attention": mask}).last_hidden_state
        weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
        vector = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        for projection in self.projections:
            vector = projection({"sentence_embedding": vector})["sentence_embedding"]
        return torch.nn.functional.normalize(vector, dim=-1)
