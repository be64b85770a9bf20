"""The pipeline after fetch: normalize -> match -> score -> store -> group (-> alert via the outbox).

`prepare` is pure (no database); `process` runs the stateful stages in the caller's
transaction, so a batch's mentions, incident changes and outbox rows commit together.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import Connector
from connectors.base import Mention as Item
from monitor.brands.models import Brand
from monitor.config import AppConfig, detector_model
from monitor.dedupe import canonical_url, text_fingerprint
from monitor.matching import BrandMatcher, BrandRule, Subject
from monitor.mentions import rollup
from monitor.mentions.store import ScoredMention, StoredMention, external_key, known_keys, store_mentions
from monitor.scoring import ScoreInput, Scorer
from monitor.scoring.model.language import LanguageDetector
from monitor.scoring.reader import language_code
from monitor.sources.models import Source

log = logging.getLogger(__name__)


# Items scored (normalized) between two checks for a stop request: well under a second of work.
SCORE_CHUNK = 50
NORMALIZE_CHUNK = 2000


class PollCancelled(Exception):
    """The worker is stopping: the batch is abandoned and its transaction rolled back."""


@dataclass(slots=True)
class BatchResult:
    """What one batch did: how many items came in, which rows are new, what incidents changed."""

    fetched: int = 0
    skipped: int = 0
    stored: list[StoredMention] = field(default_factory=list)
    changes: list[Any] = field(default_factory=list)
    deferred: int = 0  # new items left for the next poll by the per-poll budget


@dataclass(frozen=True, slots=True)
class Planned:
    """A batch matched and scored, not yet stored."""

    fetched: int
    scored: list[ScoredMention]
    deferred: int


def normalize_all(
    connector: Connector, raws: Sequence[Any], config: Any, *, cancelled: Callable[[], bool] | None = None
) -> tuple[list[Item], int]:
    """Normalize raw items; one bad item is skipped and logged, never the whole page."""
    items, skipped = [], 0
    for n, raw in enumerate(raws):
        if n % NORMALIZE_CHUNK == 0:
            _check(cancelled)
        try:
            item = connector.normalize(raw, config)
        except Exception:  # a connector bug on one odd item must not lose the rest of the page
            log.exception("normalize failed", extra={"connector": connector.slug})
            item = None
        if item is None or not item.text.strip():
            skipped += 1
        else:
            items.append(item)
    return items, skipped


def scorer_for(config: AppConfig) -> Scorer:
    """The scorer with the deployment's model ([detector] model) or, until it exists, the shipped one."""
    path = detector_model(config)
    if path is not None and not path.with_suffix(".npz").exists():
        log.warning(
            "detector model %s does not exist yet; scoring with the shipped model until "
            "`monitor train --config` writes it",
            path,
        )
        path = None
    return Scorer(model=path, incident_threshold=config.detector.incident_threshold)


class Pipeline:
    """Matching and scoring compiled once per configuration; stores into the caller's session."""

    def __init__(self, config: AppConfig, *, scorer: Scorer | None = None) -> None:
        self.config = config
        self.scorer = scorer or scorer_for(config)
        self.matcher = BrandMatcher(
            [BrandRule(b.name, b.query, tuple(b.handles), b.exclude) for b in config.brands],
            language_of=language_of,
        )
        self._handles = {b.name: tuple(b.handles) for b in config.brands}
        self._brand_ids: dict[str, int] = {}

    def brand_ids(self, session: Session) -> Mapping[str, int]:
        """Brand name -> row id of the configured (enabled) brands (rows are made by `sync_config`).

        Only those: a disabled brand's rows stay in the database, and a source forced to it
        (`brand = "…"`) must store nothing for it."""
        if len(self._brand_ids) != len(self.config.brands):
            names = [b.name for b in self.config.brands]
            self._brand_ids = dict(
                session.execute(select(Brand.name, Brand.id).where(Brand.name.in_(names))).all()
            )
        return self._brand_ids

    def match(
        self,
        items: Sequence[Item],
        *,
        brand_ids: Mapping[str, int],
        forced_brand: str | None = None,
        source: tuple[str, ...] = (),
    ) -> list[tuple[Item, str]]:
        """Each (item, brand) pair an item matches, in item order (pure); source = (name, kind)."""
        subjects = [Subject(it.text, it.title, it.url, it.author, source, it.language) for it in items]
        matches = [[forced_brand] for _ in items] if forced_brand else self.matcher.match_many(subjects)
        return [
            (it, brand)
            for it, brands in zip(items, matches, strict=True)
            for brand in brands
            if brand in brand_ids
        ]

    def prepare(
        self, items: Sequence[Item], *, brand_ids: Mapping[str, int], forced_brand: str | None = None
    ) -> list[ScoredMention]:
        """Match each item to its brands and score it (pure)."""
        return self.score(self.match(items, brand_ids=brand_ids, forced_brand=forced_brand), brand_ids)

    def score(self, pairs: Sequence[tuple[Item, str]], brand_ids: Mapping[str, int]) -> list[ScoredMention]:
        """Score matched (item, brand) pairs (pure)."""
        inputs = [
            ScoreInput(
                text=it.text,
                brand=brand,
                title=it.title,
                handles=self._handles.get(brand, ()),
                author_reach=it.author_reach,
                engagement=it.engagement,
                language=it.language,
            )
            for it, brand in pairs
        ]
        owners = [(it, brand_ids[brand]) for it, brand in pairs]
        scores = self.scorer.score_many(inputs)
        return [
            ScoredMention(
                item=it,
                brand_id=bid,
                score=sc,
                canonical_url=canonical_url(it.url),
                fingerprint=text_fingerprint(it.text),
            )
            for (it, bid), sc in zip(owners, scores, strict=True)
        ]

    def plan(
        self,
        session: Session,
        *,
        source_id: int,
        items: Sequence[Item],
        forced_brand: str | None = None,
        budget: int | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Planned:
        """Match, drop what is stored already and score the rest; reads only (no write lock needed).

        With a `budget`, at most that many new items are scored; `deferred` counts the rest, which
        the next poll takes (the caller keeps the old cursor so they are fetched again).
        `cancelled()` is checked between chunks and raises PollCancelled, so a stopping worker
        never waits for a whole huge batch.
        """
        brand_ids = self.brand_ids(session)
        row = session.get(Source, source_id)
        source = (row.name, row.kind) if row is not None else ()  # for source: in queries
        pairs = self.match(items, brand_ids=brand_ids, forced_brand=forced_brand, source=source)
        known = known_keys(session, source_id=source_id, external_ids=[external_key(it) for it, _ in pairs])
        pairs = [(it, b) for it, b in pairs if (external_key(it), brand_ids[b]) not in known]
        deferred = 0
        if budget is not None:
            keys = list(dict.fromkeys(external_key(it) for it, _ in pairs))
            if len(keys) > budget:
                taken = set(keys[:budget])
                deferred = len(keys) - budget
                log.info(
                    "source %d: %d new items, scoring %d now; the rest wait for the next poll",
                    source_id,
                    len(keys),
                    budget,
                )
                pairs = [(it, b) for it, b in pairs if external_key(it) in taken]
        scored: list[ScoredMention] = []
        for start in range(0, len(pairs), SCORE_CHUNK):
            _check(cancelled)
            scored.extend(self.score(pairs[start : start + SCORE_CHUNK], brand_ids))
        _check(cancelled)
        return Planned(fetched=len(items), scored=scored, deferred=deferred)

    def commit(self, session: Session, *, source_id: int, planned: Planned, now: datetime) -> BatchResult:
        """Store the planned mentions that are new and group them into incidents; the caller commits."""
        from monitor.incidents.service import ingest

        result = store_mentions(
            session, source_id=source_id, scored=planned.scored, now=now, defer_rollup=True
        )
        changes = ingest(session, result.flagged, config=self.config, now=now, stored=result.stored)
        incident_of = {m.id: m.incident_id for m in result.flagged}
        for row in result.stored:
            row.incident_id = incident_of.get(row.id)
        # Last: the brand's current hour is one rollup row every batch of the brand updates; taken
        # here its lock waits only for the other batch's commit, not for its grouping as well.
        rollup.apply(session, result.hourly)
        return BatchResult(
            fetched=planned.fetched, stored=result.stored, changes=changes, deferred=planned.deferred
        )

    def process(
        self,
        session: Session,
        *,
        source_id: int,
        items: Sequence[Item],
        now: datetime,
        forced_brand: str | None = None,
        budget: int | None = None,
    ) -> BatchResult:
        """plan + commit in the caller's session and transaction; the caller commits."""
        planned = self.plan(
            session, source_id=source_id, items=items, forced_brand=forced_brand, budget=budget
        )
        return self.commit(session, source_id=source_id, planned=planned, now=now)


@cache
def _detector() -> LanguageDetector:
    return LanguageDetector()


def language_of(subject: Subject) -> str:
    """A mention's language for lang: in queries: as the source states it, else detected.

    Asked only when a query reaches a lang: test, after its words matched, so most mentions
    are never run through the detector here; scoring detects again on its own text.
    """
    stated = language_code(subject.language)
    if stated is not None:
        return stated
    return _detector().detect(f"{subject.title}. {subject.text}" if subject.title else subject.text)


def _check(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        raise PollCancelled("worker stopping")
