"""isnad: question answering over Arabic and English news with cited sources.

    >>> from rag import Retriever
    >>> retriever = Retriever.open(".isnad/index")
    >>> retriever.search("كم عدد المدنيين المحاصرين في حلب؟", k=3)

Heavy modules load on first use, so `import rag` stays fast and offline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.errors import IsnadError
from rag.types import Chunk, Document, Passage

if TYPE_CHECKING:
    from rag.retriever import Retriever

__all__ = ["Chunk", "Document", "IsnadError", "Passage", "Retriever"]


def __getattr__(name: str):
    if name == "Retriever":
        from rag.retriever import Retriever

        return Retriever
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
