"""LangChain's view of `Retriever`: a `BaseRetriever` returning LangChain `Document`s."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LangChainDocument
from langchain_core.retrievers import BaseRetriever


class IsnadLangChainRetriever(BaseRetriever):
    retriever: Any
    k: int = 5
    filters: dict[str, Any] | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LangChainDocument]:
        passages = self.retriever.search(query, k=self.k, filters=self.filters)
        return [
            LangChainDocument(
                page_content=passage.text,
                metadata={**passage.metadata, "doc_id": passage.doc_id, "title": passage.title,
                          "score": passage.score, "start": passage.start, "end": passage.end,
                          "language": passage.language},
            )
            for passage in passages
        ]
