"""Language-model backends for the answer chain, chosen by name (see `rag.answer.llm.backends`)."""
