"""HTML for chat messages and the sources panel. Every piece of document text and model output
is escaped here, so an article holding <script> shows as text and runs nothing.

Each message carries its plain text in a hidden `.isnad-plain` element (the answer with its [n]
markers and a numbered source list; the chat's sanitiser drops data attributes): the copy
buttons copy that, never the markup."""

from __future__ import annotations

import html
import re

from rag.answer.result import Answer, Citation
from rag.text import detect_language

_MARKER = re.compile(r"\[(\d+)\]")


def direction(text: str) -> str:
    return "rtl" if detect_language(text) == "ar" else "ltr"


def user_html(question: str, labels: dict) -> str:
    return _message(html.escape(question), question, direction(question), "isnad-user", labels["you"])


def answer_html(answer: Answer, turn: int, labels: dict) -> str:
    """The checked answer: [n] open source n of this turn; a badge says it was checked."""
    body = _escaped(answer.text)
    if answer.citations:
        body = _MARKER.sub(lambda m: _cite_button(turn, int(m.group(1))), body)
    badge = "" if answer.abstained else f'<span class="isnad-checked">✓ {html.escape(labels["checked"])}</span>'
    footer = f'<div class="isnad-footer">{badge}{_copy_button(labels)}</div>'
    return _message(body + _figures_html(answer, turn) + footer, answer.plain_text(), direction(answer.text),
                    "isnad-final", labels["isnad"])


def _figures_html(answer: Answer, turn: int) -> str:
    """Competing figures side by side, each with who gave it and its source."""
    if not answer.disagreement:
        return ""
    cards = "".join(f'<div class="isnad-figure"><strong>{html.escape(figure["shown"])}</strong>'
                    + "".join(f'<span><bdi>{html.escape(source["speaker"])}</bdi> {_cite_button(turn, source["citation"])}</span>'
                              for source in figure["sources"]) + "</div>"
                    for figure in answer.figures)
    return f'<div class="isnad-figures">{cards}</div>'


def draft_html(draft: str, labels: dict) -> str:
    """A draft streaming from the model: looks unfinished, and says it is being checked."""
    note = f'<div class="isnad-draft-note">{html.escape(labels["draft"])}</div>'
    return _message(note + _escaped(draft), "", direction(draft), "isnad-draft", labels["isnad"])


def status_html(text: str, pending: bool = False) -> str:
    """A note, not an answer (nothing to copy): searching or queued (`pending`), or a question
    that ended without an answer (cancelled, failed, filtered out)."""
    return _message(_escaped(text), "", direction(text), f"isnad-status {'pending' if pending else 'notice'}", "")


def language_marker(language: str) -> str:
    """Read by the page's CSS: the whole page takes this language's direction."""
    return f'<div id="isnad-lang" data-lang="{html.escape(language)}" lang="{html.escape(language)}"></div>'


def sources_html(turns: list[tuple[int, Answer]], documents: dict, labels: dict, language: str) -> str:
    """Every cited passage of the conversation; the latest turn's are shown until one is clicked."""
    latest = turns[-1][0] if turns else None
    blocks = [_source_block(turn, c, documents, labels, turn == latest) for turn, answer in turns for c in answer.citations]
    if not blocks:
        hint = html.escape(labels["no_sources"])
        return f'<div class="isnad-sources empty" dir="{"rtl" if language == "ar" else "ltr"}">{hint}</div>'
    return '<div class="isnad-sources">' + "".join(blocks) + "</div>"


def _message(body: str, copy_text: str, text_direction: str, kind: str, role: str) -> str:
    plain = (f'<span class="isnad-plain"><span class="isnad-role">{html.escape(role)}</span>'
             f'<span class="isnad-text">{html.escape(copy_text)}</span></span>') if copy_text else ""
    return f'<div class="isnad-msg {kind}" dir="{text_direction}">{body}{plain}</div>'




def _escaped(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def _copy_button(labels: dict) -> str:
    return f'<a class="isnad-copy" role="button" href="#">{html.escape(labels["copy"])}</a>'


def _cite_button(turn: int, n: int) -> str:
    return f'<a class="isnad-cite" href="#src-{turn}-{n}" data-src="src-{turn}-{n}">[{n}]</a>'


def _source_block(turn: int, citation: Citation, documents: dict, labels: dict, latest: bool) -> str:
    document = documents.get(citation.doc_id)
    paragraph_html = _highlighted_paragraph(document.text, citation.start, citation.end) if document \
        else f"<mark>{html.escape(citation.quote)}</mark>"
    css = "isnad-source latest" if latest else "isnad-source"
    block_direction = direction(citation.quote)
    return (f'<section id="src-{turn}-{citation.n}" class="{css}" dir="{block_direction}">'
            f'<a class="isnad-close" role="button" href="#" title="{html.escape(labels["close"])}">×</a>'
            f'<h4>[{citation.n}] <bdi>{html.escape(citation.title)}</bdi></h4>'
            f'{_chain_html(citation, labels, block_direction)}'
            f'<p class="isnad-meta"><bdi><code dir="ltr">{html.escape(citation.doc_id)}</code></bdi></p>'
            f'<p class="isnad-passage">{paragraph_html}</p></section>')


def _chain_html(citation: Citation, labels: dict, block_direction: str) -> str:
    """Who said it -> through which outlet -> when; each link labelled, unknown links left out."""
    links = [(labels[key], citation.attribution.get(key)) for key in ("speaker", "outlet", "date")]
    shown = [f'<span class="isnad-link"><span class="isnad-link-label">{html.escape(label)}:</span> '
             f'<bdi{_ltr_if_date(key)}>{html.escape(str(value))}</bdi></span>'
             for key, (label, value) in zip(("speaker", "outlet", "date"), links) if value]
    arrow = " ← " if block_direction == "rtl" else " → "
    return f'<p class="isnad-chain">{arrow.join(shown)}</p>' if shown else ""


def _ltr_if_date(key: str) -> str:
    return ' dir="ltr"' if key == "date" else ""  # "2016-12" must not read "12-2016" in Arabic


def _highlighted_paragraph(text: str, start: int, end: int) -> str:
    """The paragraph around [start, end) with the quoted span in <mark>."""
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    para_end = len(text) if para_end == -1 else para_end
    return (html.escape(text[para_start:start]) + "<mark>" + html.escape(text[start:end]) + "</mark>"
            + html.escape(text[end:para_end]))
