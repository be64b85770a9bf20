"""The mention's metadata that field operators test: site:, source:, author:, lang:, title:, case:."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from .parser import Case, Field
from .text import Doc, fold_accents, index_text, normalize

Predicate = Callable[[Doc], bool]
# Stated language -> ISO 639-1 code, or None to detect it from the text (see Subject.language).
LanguageOf = Callable[["Subject"], str]


@dataclass(frozen=True, slots=True)
class Subject:
    """A mention as the matcher sees it: its words plus the fields operators can test."""

    text: str
    title: str | None = None
    url: str | None = None
    author: str | None = None
    source: tuple[str, ...] = ()  # the configured source's name and its kind ("Reddit r/jewelry", "reddit")
    language: str | None = None  # as the source states it ("en", "pt-BR"); detected when None

    @property
    def body(self) -> str:
        """What the words come from: the title, then the text (as the pipeline has always matched)."""
        return f"{self.title}\n{self.text}" if self.title else self.text


def subject_doc(subject: Subject | str) -> Doc:
    """Index a mention; a bare string is a mention with no metadata (every field test fails)."""
    if isinstance(subject, str):
        return index_text(subject)
    doc = index_text(subject.body)
    doc.subject = subject
    return doc


def title_doc(doc: Doc) -> Doc:
    """The title's own words, indexed on first use."""
    found = doc.lazy.get("title")
    if found is None:
        title = doc.subject.title if doc.subject is not None else None
        found = doc.lazy["title"] = index_text(title or "")
    return found


def field_predicate(node: Field, language_of: LanguageOf | None) -> Predicate:
    """The test for one site:/source:/author:/lang: operator."""
    want = node.value
    if node.name == "site":
        return lambda doc: _host_within(_host(doc), want)
    if node.name == "source":
        return lambda doc: doc.subject is not None and want in (normalize(s) for s in doc.subject.source)
    if node.name == "author":
        return lambda doc: want in _author_names(doc)
    assert node.name == "lang"
    return lambda doc: _language(doc, language_of) == want


def case_predicate(node: Case, words: Predicate) -> Predicate:
    """case:Apple — the folded words must be there, then the capitals as written."""
    pattern = node.pattern
    return lambda doc: words(doc) and pattern.search(_folded(doc)) is not None


def _host(doc: Doc) -> str:
    url = doc.subject.url if doc.subject is not None else None
    if not url:
        return ""
    try:
        return (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:  # a malformed URL from a feed is no host, not a crash
        return ""


def _host_within(host: str, site: str) -> bool:
    # site:reddit.com covers www.reddit.com and old.reddit.com, not notreddit.com.
    return host == site or host.endswith("." + site)


def _author_names(doc: Doc) -> set[str]:
    author = doc.subject.author if doc.subject is not None else None
    if not author:
        return set()
    name = normalize(author.strip()).removeprefix("@")
    names = {name}
    if not any(c.isspace() for c in name):
        # "helzberg@mastodon.social" and "helzberg.bsky.social" answer to author:helzberg.
        names.add(re.split(r"[.@]", name, maxsplit=1)[0])
    return names


def _language(doc: Doc, language_of: LanguageOf | None) -> str | None:
    if doc.subject is None:
        return None
    if "language" not in doc.lazy:
        doc.lazy["language"] = language_of(doc.subject) if language_of else _stated(doc.subject.language)
    return doc.lazy["language"]


def _stated(language: str | None) -> str | None:
    code = (language or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return code or None


def _folded(doc: Doc) -> str:
    found = doc.lazy.get("folded")
    if found is None:
        found = doc.lazy["folded"] = fold_accents(doc.raw)
    return found
