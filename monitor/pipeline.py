"""The pipeline after fetch: normalize -> match -> score -> store -> group (-> alert via the outbox).

`prepare` is pure (no database); `process` runs the stateful stages in the caller's
transaction, so a batch's mentions, incident changes and outbox rows commit together.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import Connector
from connectors.base import Mention as Item
from monitor.brands.models import Brand
from monitor.config import AppConfig, detector_model
from monitor.dedupe import canonical_url, text_fingerprint
from monitor.matching import BrandMatcher, BrandRule
from monitor.mentions.store import ScoredMention, StoredMention, store_mentions
from monitor.scoring import ScoreInput, Scorer

log = logging.getLogger(__name__)


@dataclass(slots=True)
class BatchResult:
    """What one batch did: how many items came in, which rows are new, what incidents changed."""

    fetched: int = 0
    skipped: int = 0
    stored: list[StoredMention] = field(default_factory=list)
    changes: list[Any] = field(default_factory=list)


def normalize_all(connector: Connector, raws: Sequence[Any], config: Any) -> tuple[list[Item], int]:
    """Normalize raw items; one bad item is skipped and logged, never the whole page."""
    items, skipped = [], 0
    for raw in raws:
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
            [BrandRule(b.name, b.query, tuple(b.handles), b.exclude) for b in config.brands]
        )
        self._handles = {b.name: tuple(b.handles) for b in config.brands}
        self._brand_ids: dict[str, int] = {}

    def brand_ids(self, session: Session) -> Mapping[str, int]:
        """Brand name -> row id (rows are made by `sync_config`)."""
        if len(self._brand_ids) != len(self.config.brands):
            self._brand_ids = dict(session.execute(select(Brand.name, Brand.id)).all())
        return self._brand_ids

    def prepare(
        self, items: Sequence[Item], *, brand_ids: Mapping[str, int], forced_brand: str | None = None
    ) -> list[ScoredMention]:
        """Match each item to its brands and score it (pure)."""
        texts = [f"{it.title}\n{it.text}" if it.title else it.text for it in items]
        matches = [[forced_brand] for _ in items] if forced_brand else self.matcher.match_many(texts)
        inputs, owners = [], []
        for it, brands in zip(items, matches, strict=True):
            for brand in brands:
                if brand in brand_ids:
                    inputs.append(
                        ScoreInput(
                            text=it.text,
                            brand=brand,
                            title=it.title,
                            handles=self._handles.get(brand, ()),
                            author_reach=it.author_reach,
                            engagement=it.engagement,
                            language=it.language,
                        )
                    )
                    owners.append((it, brand_ids[brand]))
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

    def process(
        self,
        session: Session,
        *,
        source_id: int,
        items: Sequence[Item],
        now: datetime,
        forced_brand: str | None = None,
    ) -> BatchResult:
        """Store what is new and group it into incidents; the caller commits."""
        from monitor.incidents.service import ingest

        brand_ids = self.brand_ids(session)
        scored = self.prepare(items, brand_ids=brand_ids, forced_brand=forced_brand)
        result = store_mentions(session, source_id=source_id, scored=scored, now=now)
        changes = ingest(session, result.flagged, config=self.config, now=now) if result.flagged else []
        incident_of = {m.id: m.incident_id for m in result.flagged}
        for row in result.stored:
            row.incident_id = incident_of.get(row.id)
        return BatchResult(fetched=len(items), stored=result.stored, changes=changes)
