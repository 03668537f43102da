"""Read a corpus into `Document`s: one-article files (.txt/.md) and tables (.csv/.jsonl).

Bad files never stop a load: each is skipped with a warning that names it and says why.

    >>> result = CorpusLoader().run([Path("corpus")])
    >>> len(result.documents), result.warnings

`stream` yields the documents one at a time instead, reading tables a line at a time, so memory
stays bounded however large a corpus file is (`isnad index` streams).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator

from rag.ingest.cleaning import clean_article
from rag.ingest.dedup import Deduplicator
from rag.errors import CorpusError
from rag.text import detect_language
from rag.types import Document

logger = logging.getLogger(__name__)

_MAX_DAMAGED_SHARE = 0.001  # more invalid UTF-8 than this means another encoding altogether
_ENCODING_SAMPLE = 1 << 16  # characters of a table read before deciding it is UTF-8 at all
ARTICLE_SUFFIXES = {".txt", ".md"}
METADATA_FILE = "metadata.csv"  # beside article files: their outlet, date, place, url (one row per file)
_PARTIAL_DATE = re.compile(r"\d{4}(-\d{2}){0,2}")
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
        result.documents = list(self.stream(paths, result))
        return result

    def stream(self, paths: list[Path], result: LoadResult) -> Iterator[Document]:
        """The documents one at a time, as they are read; warnings and duplicates go to `result`.
        What stays in memory is one article or table line, plus each document's id and
        de-duplication signature (about 1 KB)."""
        self._metadata: dict[Path, dict[str, dict[str, str]]] = {}  # folder -> file name -> fields
        dedup = Deduplicator(self.near_duplicate_threshold)
        places: dict[str, str] = {}  # document id -> where it was read, so ids stay unique
        for root, path in self._files(paths):
            for item, place in self._read(root, path, result.warnings):
                item = _unique(item, place, root, places, result.warnings)
                if item is None:
                    continue
                duplicate_of = dedup.check(item)
                if duplicate_of:
                    result.duplicates.append(f"skipped {item.id}: {duplicate_of}")
                else:
                    yield item

    def _files(self, paths: list[Path]) -> Iterator[tuple[Path, Path]]:
        for path in paths:
            path = Path(path)
            if path.is_file():
                yield path.parent, path
            elif path.is_dir():
                for file in sorted(p for p in path.rglob("*") if p.is_file() and p.name != METADATA_FILE):
                    if not any(part.startswith(".") for part in file.relative_to(path).parts):
                        yield path, file
            else:
                raise CorpusError(f"corpus path not found: {path}")

    def _read(self, root: Path, path: Path, warnings: list[str]) -> Iterator[tuple[Document, str]]:
        """The file's documents, each with the place it came from (file, or file and row)."""
        suffix = path.suffix.lower()
        relative = path.relative_to(root).as_posix()
        if not _printable_name(relative):
            warnings.append(f"skipped {_shown(path)}: the file name is not valid UTF-8; rename it")
            return
        if suffix not in ARTICLE_SUFFIXES | TABLE_SUFFIXES:
            warnings.append(f"skipped {path}: unsupported file type {suffix or '(none)'} (use .txt, .md, .csv, .jsonl)")
            return
        if suffix in ARTICLE_SUFFIXES:
            text = self._decode(path, warnings)
            metadata = self._folder_metadata(path.parent, warnings).get(path.name, {}) if text else {}
            if text and (document := _article(relative, text, metadata, warnings)):
                yield document, relative
            return
        lines = _table_lines(path, warnings)
        rows = _csv_rows(lines, relative, warnings) if suffix == ".csv" else _jsonl_rows(lines, relative, warnings)
        for number, row in rows:
            if document := _row_document(relative, number, row, warnings):
                yield document, f"{relative} row {number}"

    def _folder_metadata(self, folder: Path, warnings: list[str]) -> dict[str, dict[str, str]]:
        """The folder's `metadata.csv`: one row per article file (`file`, then `source`, `date`,
        `place`, `url` and any other field; `note` is for people and is not kept)."""
        if folder not in self._metadata:
            table = folder / METADATA_FILE
            text = self._decode(table, warnings) if table.is_file() else None
            rows = {}
            for number, row in _csv_rows(io.StringIO(text or "", newline=""), str(table), warnings):
                name = str(row.get("file") or "").strip()
                if not name:
                    warnings.append(f"skipped {table} row {number}: no file name in the `file` column")
                    continue
                rows[name] = {key: _metadata_value(key, value) for key, value in row.items()
                              if key not in ("file", "note") and value and value.strip()}
            self._metadata[folder] = rows
        return self._metadata[folder]

    def _decode(self, path: Path, warnings: list[str]) -> str | None:
        """A whole article file (or metadata table) as text, or None with a warning why not."""
        try:
            size = path.stat().st_size
            if size > self.max_file_bytes:
                warnings.append(f"skipped {path}: {size:,} bytes is over the {self.max_file_bytes:,}-byte limit")
                return None
            data = path.read_bytes()
        except OSError as error:  # unreadable (permissions), vanished, a device...
            warnings.append(f"skipped {path}: cannot be read ({error.strerror or type(error).__name__})")
            return None
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            data = data.decode("utf-16", errors="replace").encode("utf-8")  # Windows "Unicode" text
        elif b"\x00" in data[:8192]:
            warnings.append(f"skipped {path}: binary file (or UTF-16 without a byte-order mark; re-save it as UTF-8)")
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


def _table_lines(path: Path, warnings: list[str]) -> Iterator[str]:
    """A table's lines, decoded as they are read (line ends kept, for quoted fields that span
    lines). The same checks as a whole file gets: unreadable, binary, not UTF-8 (judged on the
    first million characters, held back until then), a few damaged bytes, empty."""
    try:
        raw = open(path, "rb")
    except OSError as error:
        warnings.append(f"skipped {path}: cannot be read ({error.strerror or type(error).__name__})")
        return
    with raw:
        head = raw.read(8192)
        raw.seek(0)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"  # Windows "Unicode" text
        elif b"\x00" in head:
            warnings.append(f"skipped {path}: binary file (or UTF-16 without a byte-order mark; re-save it as UTF-8)")
            return
        else:
            encoding = "utf-8-sig"
        text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
        held, read, damaged, content = [], 0, 0, False
        for line in text:
            damaged += line.count("\ufffd")
            content = content or bool(line.strip())
            if read < _ENCODING_SAMPLE:
                read += len(line)
                held.append(line)
                if read >= _ENCODING_SAMPLE:
                    if damaged > read * _MAX_DAMAGED_SHARE:
                        break
                    yield from held
                    held = []
                continue
            yield line
        if held and damaged > read * _MAX_DAMAGED_SHARE:
            warnings.append(f"skipped {path}: not UTF-8 text; re-save it as UTF-8")
            return
        yield from held
    if not content:
        warnings.append(f"skipped {path}: empty file")
    elif damaged:
        # Scraped files often carry a few stray bytes; one bad byte should not lose an article.
        warnings.append(f"{path}: replaced {damaged} invalid UTF-8 byte(s) with U+FFFD")


def _article(doc_id: str, raw: str, metadata: dict[str, str], warnings: list[str]) -> Document | None:
    article = clean_article(raw)
    if not article.text:
        warnings.append(f"skipped {doc_id}: no article text after the title line")
        return None
    byline = {"byline": article.byline} if article.byline else {}
    return _document(doc_id, article.title, article.text, {**byline, **metadata})


def _metadata_value(key: str, value: str) -> str:
    """Dates as ISO 8601; a date known only to the month or year ("2016-10") stays as precise as it is."""
    value = value.strip()
    if key == "date" and not _PARTIAL_DATE.fullmatch(value):
        return _iso_date(value)
    return value


def _unique(document: Document, place: str, root: Path, places: dict[str, str],
            warnings: list[str]) -> Document | None:
    """The document under an id no earlier document has, never dropped silently: a file of a
    second corpus folder is prefixed with its folder's name; a table row repeating an id gets
    a numbered one (`id#2`), and the warning names both places."""
    original = document.id
    if original in places:
        if original == place:  # an article file: its id is its path
            document = replace(document, id=f"{root.name}/{original}")
        else:
            document = replace(document, id=next(f"{original}#{n}" for n in range(2, len(places) + 3)
                                                  if f"{original}#{n}" not in places))
            warnings.append(f"{place}: id {original!r} is already used by {places[original]}; "
                            f"renamed {document.id!r}")
    if document.id in places:
        warnings.append(f"skipped {place}: id {document.id!r} is already used by {places[document.id]}")
        return None
    places[document.id] = place
    return document


def _csv_rows(lines: Iterable[str], name: str, warnings: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows with their line numbers. A quote left open swallows the rows after it into one
    field; such a record is skipped (with its lines named) rather than merged."""
    csv.field_size_limit(2**31 - 1)
    reader = csv.DictReader(lines)  # lines with their ends: line breaks inside quotes stay data
    try:
        columns, line = len(reader.fieldnames or []), reader.line_num + 1
        for row in reader:
            first, line = line, reader.line_num + 1
            row = {key: value for key, value in row.items() if key is not None}
            if line - first > 1 and _swallows_rows(row, columns):
                warnings.append(f"skipped {name} lines {first}-{line - 1}: a quote is left open and the lines "
                                f"after it read as one field; close the quote")
                continue
            yield first, row
    except csv.Error as error:
        warnings.append(f"skipped {name} from line {reader.line_num}: malformed CSV ({error})")


def _swallows_rows(row: dict[str, Any], columns: int) -> bool:
    """True when a field holds whole lines that parse as rows of the table."""
    inner = [text for value in row.values() if isinstance(value, str) for text in value.splitlines()[1:]]
    return any(len(next(csv.reader([text]), [])) >= max(2, columns - 1) for text in inner)


def _jsonl_rows(lines: Iterable[str], name: str, warnings: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(lines, start=1):
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
    # Without an id column the id follows the content, not the line: a row inserted above
    # another must not change the other's id (and re-embed it).
    doc_id = str(fields["id"]).strip() if fields["id"] not in (None, "") else f"{name}:{_short_hash(text)}"
    used = {alias for aliases in COLUMN_ALIASES.values() for alias in aliases}
    metadata = {key: value for key, value in row.items() if key.lower() not in used and value not in (None, "")}
    for key in ("source", "url"):
        if fields[key]:
            metadata[key] = str(fields[key]).strip()
    if fields["date"]:
        metadata["date"] = _iso_date(str(fields["date"]))
    title = str(fields["title"] or "").strip() or text.split("\n", 1)[0][:120]
    return _document(doc_id, title, text, metadata)


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="replace")).hexdigest()[:12]


def _printable_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes surface as lone surrogates
        return False
    return True


def _shown(path: Path) -> str:
    return str(path).encode("utf-8", errors="backslashreplace").decode("utf-8")


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
