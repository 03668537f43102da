"""Read a corpus into `Document`s: one-article files (.txt/.md) and tables (.csv/.jsonl).

Bad files never stop a load: each is skipped with a warning that names it and says why.

    >>> result = CorpusLoader().run([Path("corpus")])
    >>> len(result.documents), result.warnings
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from rag.cleaning import clean_article
from rag.dedup import Deduplicator
from rag.errors import CorpusError
from rag.text import detect_language
from rag.types import Document

logger = logging.getLogger(__name__)

_MAX_DAMAGED_SHARE = 0.001  # more invalid UTF-8 than this means another encoding altogether
ARTICLE_SUFFIXES = {".txt", ".md"}
TABLE_SUFFIXES = {".csv", ".jsonl"}
# Column names seen in the wild for each field, first match wins.
COLUMN_ALIASES = {
    "id": ("id", "doc_id", "unit_id", "article_id"),
    "title": ("title", "article_title", "headline"),
    "text": ("content", "article_content", "text", "body", "article"),
    "source": ("source", "outlet", "publisher", "site"),
    "date": ("date", "published", "published_at", "pub_date"),
    "url": ("url", "link", "href"),
}


@dataclass
class LoadResult:
    documents: list[Document] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


class CorpusLoader:
    """Loads, cleans, language-tags and de-duplicates documents from files and folders."""

    def __init__(self, max_file_bytes: int = 50 * 1024 * 1024, near_duplicate_threshold: float = 0.9) -> None:
        self.max_file_bytes = max_file_bytes
        self.near_duplicate_threshold = near_duplicate_threshold

    def run(self, paths: list[Path]) -> LoadResult:
        result = LoadResult()
        dedup = Deduplicator(self.near_duplicate_threshold)
        for root, path in self._files(paths):
            for item in self._read(root, path, result.warnings):
                duplicate_of = dedup.check(item)
                if duplicate_of:
                    result.duplicates.append(f"skipped {item.id}: {duplicate_of}")
                else:
                    result.documents.append(item)
        return result

    def _files(self, paths: list[Path]) -> Iterator[tuple[Path, Path]]:
        for path in paths:
            path = Path(path)
            if path.is_file():
                yield path.parent, path
            elif path.is_dir():
                for file in sorted(p for p in path.rglob("*") if p.is_file()):
                    if not any(part.startswith(".") for part in file.relative_to(path).parts):
                        yield path, file
            else:
                raise CorpusError(f"corpus path not found: {path}")

    def _read(self, root: Path, path: Path, warnings: list[str]) -> list[Document]:
        suffix = path.suffix.lower()
        if suffix not in ARTICLE_SUFFIXES | TABLE_SUFFIXES:
            warnings.append(f"skipped {path}: unsupported file type {suffix or '(none)'} (use .txt, .md, .csv, .jsonl)")
            return []
        text = self._decode(path, warnings)
        if text is None:
            return []
        relative = path.relative_to(root).as_posix()
        if suffix in ARTICLE_SUFFIXES:
            return [document] if (document := _article(relative, text, warnings)) else []
        rows = _csv_rows(text) if suffix == ".csv" else _jsonl_rows(text, relative, warnings)
        return [doc for number, row in rows if (doc := _row_document(relative, number, row, warnings))]

    def _decode(self, path: Path, warnings: list[str]) -> str | None:
        size = path.stat().st_size
        if size > self.max_file_bytes:
            warnings.append(f"skipped {path}: {size:,} bytes is over the {self.max_file_bytes:,}-byte limit")
            return None
        data = path.read_bytes()
        if b"\x00" in data[:8192]:
            warnings.append(f"skipped {path}: binary file")
            return None
        text = data.decode("utf-8-sig", errors="replace")
        damaged = text.count("\ufffd")
        if damaged > len(text) * _MAX_DAMAGED_SHARE:
            warnings.append(f"skipped {path}: not UTF-8 text; re-save it as UTF-8")
            return None
        if damaged:
            # Scraped files often carry a few stray bytes; one bad byte should not lose an article.
            warnings.append(f"{path}: replaced {damaged} invalid UTF-8 byte(s) with U+FFFD")
        if not text.strip():
            warnings.append(f"skipped {path}: empty file")
            return None
        return text


def _article(doc_id: str, raw: str, warnings: list[str]) -> Document | None:
    article = clean_article(raw)
    if not article.text:
        warnings.append(f"skipped {doc_id}: no article text after the title line")
        return None
    metadata = {"byline": article.byline} if article.byline else {}
    return _document(doc_id, article.title, article.text, metadata)


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    csv.field_size_limit(2**31 - 1)
    reader = csv.DictReader(io.StringIO(text))
    for number, row in enumerate(reader, start=2):  # line 1 is the header
        yield number, {key: value for key, value in row.items() if key is not None}


def _jsonl_rows(text: str, name: str, warnings: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            warnings.append(f"skipped {name} line {number}: malformed JSON ({error.msg})")
            continue
        if not isinstance(row, dict):
            warnings.append(f"skipped {name} line {number}: expected a JSON object")
            continue
        yield number, row


def _row_document(name: str, number: int, row: dict[str, Any], warnings: list[str]) -> Document | None:
    fields = {key: _pick(row, aliases) for key, aliases in COLUMN_ALIASES.items()}
    text = str(fields["text"] or "").strip()
    if not text:
        warnings.append(f"skipped {name} row {number}: no content column (one of {', '.join(COLUMN_ALIASES['text'])})")
        return None
    doc_id = str(fields["id"]).strip() if fields["id"] not in (None, "") else f"{name}:{number}"
    used = {alias for aliases in COLUMN_ALIASES.values() for alias in aliases}
    metadata = {key: value for key, value in row.items() if key.lower() not in used and value not in (None, "")}
    for key in ("source", "url"):
        if fields[key]:
            metadata[key] = str(fields[key]).strip()
    if fields["date"]:
        metadata["date"] = _iso_date(str(fields["date"]))
    title = str(fields["title"] or "").strip() or text.split("\n", 1)[0][:120]
    return _document(doc_id, title, text, metadata)


def _pick(row: dict[str, Any], aliases: tuple[str, ...]) -> Any:
    lowered = {str(key).lower().strip(): value for key, value in row.items()}
    return next((lowered[alias] for alias in aliases if lowered.get(alias) not in (None, "")), None)


def _iso_date(value: str) -> str:
    """ISO 8601 (YYYY-MM-DD) when the date parses, else the original string."""
    from dateutil import parser

    try:
        return parser.parse(value, dayfirst=False).date().isoformat()
    except (ValueError, OverflowError):
        return value.strip()


def _document(doc_id: str, title: str, text: str, metadata: dict[str, Any]) -> Document:
    metadata = {key: value for key, value in metadata.items()}
    language = detect_language(title + "\n" + text)
    payload = json.dumps([title, text, metadata], ensure_ascii=False, sort_keys=True, default=str)
    content_hash = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    return Document(doc_id, title, text, language, metadata, content_hash)
