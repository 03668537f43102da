"""HTML for chat messages and the sources panel. Every piece of document text and model output
is escaped here, so an article holding <script> shows as text and runs nothing."""

from __future__ import annotations

import html
import re

from rag.answer import Answer, Citation
from rag.text import detect_language

_MARKER = re.compile(r"\[(\d+)\]")


def direction(text: str) -> str:
    return "rtl" if detect_language(text) == "ar" else "ltr"


def message_html(text: str, turn: int | None = None) -> str:
    """Escaped text in its own direction; [n] become buttons that open source n of this turn."""
    body = html.escape(text).replace("\n", "<br>")
    if turn is not None:
        body = _MARKER.sub(lambda m: _cite_button(turn, int(m.group(1))), body)
    return f'<div class="isnad-msg" dir="{direction(text)}">{body}</div>'


def answer_html(answer: Answer, turn: int) -> str:
    return message_html(answer.text, turn if answer.citations else None)


def _cite_button(turn: int, n: int) -> str:
    return f'<a class="isnad-cite" href="#src-{turn}-{n}" data-src="src-{turn}-{n}">[{n}]</a>'


def sources_html(turns: list[tuple[int, Answer]], documents: dict, labels: dict) -> str:
    """Every cited passage of the conversation; the latest turn's are shown until one is clicked."""
    latest = turns[-1][0] if turns else None
    blocks = [_source_block(turn, c, documents, labels, turn == latest) for turn, answer in turns for c in answer.citations]
    if not blocks:
        return f'<div class="isnad-sources empty">{html.escape(labels["no_sources"])}</div>'
    return '<div class="isnad-sources">' + "".join(blocks) + "</div>"


def _source_block(turn: int, citation: Citation, documents: dict, labels: dict, latest: bool) -> str:
    document = documents.get(citation.doc_id)
    paragraph_html = _highlighted_paragraph(document.text, citation.start, citation.end) if document \
        else f"<mark>{html.escape(citation.quote)}</mark>"
    meta = citation.metadata
    facts = [f'{html.escape(labels["outlet"])}: {html.escape(str(meta.get("source") or meta.get("byline") or "—"))}',
             f'{html.escape(labels["date"])}: {html.escape(str(meta.get("date") or "—"))}']
    css = "isnad-source latest" if latest else "isnad-source"
    return (f'<section id="src-{turn}-{citation.n}" class="{css}" dir="{direction(citation.quote)}">'
            f'<h4>[{citation.n}] {html.escape(citation.title)}</h4>'
            f'<p class="isnad-meta" dir="auto">{" · ".join(facts)} · <bdi><code dir="ltr">{html.escape(citation.doc_id)}</code></bdi></p>'
            f'<p class="isnad-passage">{paragraph_html}</p></section>')


def _highlighted_paragraph(text: str, start: int, end: int) -> str:
    """The paragraph around [start, end) with the quoted span in <mark>."""
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    para_end = len(text) if para_end == -1 else para_end
    return (html.escape(text[para_start:start]) + "<mark>" + html.escape(text[start:end]) + "</mark>"
            + html.escape(text[end:para_end]))
