"""isnad: question answering over Arabic and English news with cited sources.

    >>> from rag import Retriever
    >>> retriever = Retriever.open(".isnad/index")
    >>> retriever.search("كم عدد المدنيين المحاصرين في حلب؟", k=3)
    >>> from rag import Assistant
    >>> Assistant.open(".isnad/index", llm="extractive").ask("How many civilians were besieged?").text

Heavy modules load on first use, so `import rag` stays fast and offline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.errors import IsnadError
from rag.types import Chunk, Document, Passage

if TYPE_CHECKING:
    from rag.answer.assistant import Assistant
    from rag.search.retriever import Retriever

__all__ = ["Assistant", "Chunk", "Document", "IsnadError", "Passage", "Retriever"]
_LAZY = {"Retriever": "rag.search.retriever", "Assistant": "rag.answer.assistant"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
