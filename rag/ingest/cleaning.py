"""Strip web boilerplate from a scraped article while keeping its sentences byte-for-byte.

We only ever drop whole lines (related-article lists, markup debris, a repeated title, a
byline) and a site name glued to the title; we never edit inside a sentence, so quotes and
character offsets stay exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A line that starts a "related articles" block; everything after it is navigation.
_RELATED = re.compile(
    r"^\s*(مقالات ذات صلة|مواضيع ذات صلة|أخبار ذات صلة|اقرأ أيضا|اقرأ أيضاً|إقرأ أيضا|"
    r"related (articles|stories|posts)|read more|see also)\s*:?\s*$",
    re.IGNORECASE,
)
_HAS_WORD = re.compile(r"\w")
_TITLE_SEPARATOR = re.compile(r"\s+[-|–—]\s+")
_SENTENCE_PUNCTUATION = re.compile(r"[.!?؟،,:؛\"«»]")
_ARABIC = re.compile("[\u0600-\u06ff]")


@dataclass
class CleanArticle:
    title: str
    text: str
    byline: str | None = None
    removed: list[str] = field(default_factory=list)


def clean_article(raw: str) -> CleanArticle:
    """Split a one-article file into title and body (first non-empty line is the title)."""
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    removed: list[str] = []
    lines = _cut_related_block(lines, removed)
    lines = [line for line in lines if _HAS_WORD.search(line) or not line.strip() or removed.append(line)]
    if not lines or not lines[0].strip() or _is_paragraph(lines[0]):
        # No title line: the lead paragraph stays in the text and its start doubles as title.
        text = "\n".join(lines).strip()
        return CleanArticle(title=_lead(text), text=text, removed=removed)
    title, body = _strip_site_name(lines[0].strip() if lines else "", lines[1:], removed)
    body, byline = _take_byline(body, removed)
    return CleanArticle(title=title, text="\n".join(body).strip(), byline=byline, removed=removed)


def _cut_related_block(lines: list[str], removed: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if index > 0 and _RELATED.match(line):
            removed.extend(line for line in lines[index:] if line.strip())
            return lines[:index]
    return lines


def _strip_site_name(title: str, body: list[str], removed: list[str]) -> tuple[str, list[str]]:
    """'Headline - Site Name' -> 'Headline'; drop the body line that repeats the headline."""
    head = [line.strip() for line in body[:3]]
    parts = _TITLE_SEPARATOR.split(title)
    candidates = [title] + ([" - ".join(parts[:-1])] if len(parts) > 1 else [])
    for candidate in candidates:
        if candidate in head:
            index = head.index(candidate)
            removed.append(body[index])
            if candidate != title:
                removed.append(title[len(candidate):].strip(" -|–—"))
            return candidate, body[:index] + body[index + 1:]
    if len(parts) > 1 and _ARABIC.search(parts[0]) and not _ARABIC.search(parts[-1]):
        removed.append(parts[-1])  # a Latin site name glued to an Arabic headline
        return title[: title.rfind(parts[-1])].rstrip(" -|–—"), body
    return title, body


def _take_byline(body: list[str], removed: list[str]) -> tuple[list[str], str | None]:
    """A short line with no punctuation right before the text is the outlet or author."""
    nonblank = [index for index, line in enumerate(body) if line.strip()]
    if len(nonblank) < 2:
        return body, None
    first = body[nonblank[0]].strip()
    if len(first.split()) <= 3 and not _SENTENCE_PUNCTUATION.search(first) and not any(c.isdigit() for c in first):
        removed.append(first)
        return body[nonblank[0] + 1:], first
    return body, None


def _is_paragraph(line: str) -> bool:
    """A first line that is really the lead paragraph (long, or ending a sentence)."""
    line = line.strip()
    words = len(line.split())
    return words > 30 or (words > 12 and line.endswith((".", "؟")))


def _lead(text: str, limit: int = 120) -> str:
    first_line = text.split("\n", 1)[0]
    if len(first_line) <= limit:
        return first_line
    return first_line[:limit].rsplit(" ", 1)[0] + "…"
