"""Embedding models behind one interface: `Embedder.encode_queries` / `encode_documents`."""

from embeddings import embeddinggemma
from embeddings.encoder import USE_MODEL_NAME, Embedder, prompts_for

__all__ = ["Embedder", "USE_MODEL_NAME", "embeddinggemma", "prompts_for"]
