"""Labeled mentions: the corpus files in the repo, validated row by row.

The format and the meaning of every label are in docs/labeling.md. A label that a row does not
carry (public customer-service queries have no reply labels) is None, and that row simply does
not train that head.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from monitor.scoring.taxonomy import CATEGORIES

CORPUS = Path(__file__).parent / "corpus"
LANGUAGES = ("en", "es", "fr", "de", "pt", "it")
REGISTERS = ("tweet", "reddit", "forum", "review", "news", "comment", "query")
_FLAGS = ("needs_reply", "opportunity")


class CorpusError(ValueError):
    """A labeled row that cannot be used; the message names the file, the line and the problem."""


@dataclass(frozen=True, slots=True)
class Row:
    """One labeled mention."""

    id: str
    text: str
    brand: str | None
    incident: bool | None
    category: str | None
    needs_reply: bool | None
    opportunity: bool | None
    lang: str = "en"
    title: str | None = None
    industry: str = ""
    register: str = ""
    source: str = ""  # the file (or "team") it came from
    weight: float = 1.0

    @property
    def group(self) -> str:
        """Rows of one brand share a group, so cross-validation never sees a brand on both sides."""
        key = (self.brand or "").strip().lower()
        return key or f"{self.source}:{self.id}"


def _parse(obj: object, where: str) -> Row:
    if not isinstance(obj, dict):
        raise CorpusError(f"{where}: expected a JSON object")
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise CorpusError(f"{where}: text is missing or empty")
    row_id = obj.get("id")
    if not isinstance(row_id, str) or not row_id:
        raise CorpusError(f"{where}: id is missing")
    incident = obj.get("incident")
    if incident is not None and not isinstance(incident, bool):
        raise CorpusError(f"{where}: incident is not true/false")
    category = obj.get("category")
    if category is not None and category not in CATEGORIES:
        raise CorpusError(f"{where}: unknown category {category!r}")
    if incident and category is None:
        raise CorpusError(f"{where}: an incident needs a category")
    if incident is False and category is not None:
        raise CorpusError(f"{where}: category {category!r} on a row that is not an incident")
    flags = {}
    for name in _FLAGS:
        value = obj.get(name)
        if value is not None and not isinstance(value, bool):
            raise CorpusError(f"{where}: {name} is not true/false")
        flags[name] = value
    lang = obj.get("lang") or "en"
    if lang not in LANGUAGES:
        raise CorpusError(f"{where}: lang {lang!r} is not one of {', '.join(LANGUAGES)}")
    register = obj.get("register") or ""
    if register and register not in REGISTERS:
        raise CorpusError(f"{where}: register {register!r} is not one of {', '.join(REGISTERS)}")
    brand = obj.get("brand")
    if brand is not None and not isinstance(brand, str):
        raise CorpusError(f"{where}: brand is not a string")
    weight = obj.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 10:
        raise CorpusError(f"{where}: weight must be a number above 0 and at most 10")
    return Row(
        id=row_id,
        text=text,
        brand=brand or None,
        incident=incident,
        category=category,
        needs_reply=flags["needs_reply"],
        opportunity=flags["opportunity"],
        lang=lang,
        industry=str(obj.get("industry") or ""),
        register=register,
        weight=float(weight),
    )


def read_jsonl(path: Path) -> Iterator[Row]:
    """The rows of one labeled JSON Lines file; CorpusError names the first bad line."""
    try:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                where = f"{path.name}: line {number}"
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CorpusError(f"{where}: not JSON ({exc.msg})") from None
                row = _parse(obj, where)
                yield Row(**{**_fields(row), "source": path.stem})
    except OSError as exc:
        raise CorpusError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path} is not UTF-8 text: {exc.reason}") from None


def _fields(row: Row) -> dict[str, object]:
    return {name: getattr(row, name) for name in Row.__slots__}


def load_corpus(directory: Path = CORPUS) -> list[Row]:
    """Every *.jsonl file of the corpus directory, in file-name order; ids must be unique."""
    files = sorted(directory.glob("*.jsonl"))
    if not files:
        raise CorpusError(f"no *.jsonl files in {directory}")
    rows: list[Row] = []
    seen: dict[str, str] = {}
    for path in files:
        for row in read_jsonl(path):
            if row.id in seen:
                raise CorpusError(f"{path.name}: id {row.id!r} already used in {seen[row.id]}")
            seen[row.id] = path.name
            rows.append(row)
    return rows


def fingerprint(rows: Iterable[Row]) -> str:
    """A hash of everything training reads from the rows: the same rows give the same model version."""
    h = hashlib.sha256()
    for r in rows:
        h.update(
            json.dumps(
                [
                    r.id,
                    r.text,
                    r.brand,
                    r.incident,
                    r.category,
                    r.needs_reply,
                    r.opportunity,
                    r.lang,
                    r.weight,
                ],
                ensure_ascii=False,
            ).encode("utf-8")
        )
    return h.hexdigest()
