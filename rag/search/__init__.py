"""Stage 3, search: a question in, ranked `Passage`s out (`Retriever`: dense + Arabic-aware BM25)."""
