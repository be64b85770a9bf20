"""Read-only mention queries: newest first, keyset-paginated on (published_at, id)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select, tuple_
from sqlalchemy.orm import Session, defer

from monitor.brands.models import Brand
from monitor.mentions import search
from monitor.mentions.labels import CurrentLabel, current_labels
from monitor.mentions.models import Mention
from monitor.mentions.schemas import LabelRead, MentionFilters, MentionRead, ReplyRead
from monitor.replies.service import DONE, reply_state, response_seconds, waiting
from monitor.schemas import Page, decode_cursor, encode_cursor
from monitor.sources.models import Source

# the timeline of one incident shown with it; the full list is in /api/mentions?incident_id=
TIMELINE_CAP = 200


def mention_rows() -> Select[tuple[Mention, str, str]]:
    """(mention, brand name, source name) rows, without the `raw` payload no view returns."""
    return (
        select(Mention, Brand.name, Source.name)
        .join(Brand, Brand.id == Mention.brand_id)
        .join(Source, Source.id == Mention.source_id)
        # the API never returns the source payload; loading (and on PostgreSQL parsing JSONB) it
        # cost a fifth of a list request. raiseload: a view that starts reading it fails loudly.
        .options(defer(Mention.raw, raiseload=True))
    )


def id_by_name(session: Session, column: Any, name: str) -> int | None:
    """The id of the brand or source called `name`, or None when there is none."""
    return session.execute(select(column.table.c.id).where(column == name)).scalar_one_or_none()


def to_read(mention: Mention, brand: str, source: str, label: CurrentLabel | None = None) -> MentionRead:
    """The API view of a mention row (with the team's label when one is given)."""
    return MentionRead(
        id=mention.id,
        brand=brand,
        source=source,
        external_id=mention.external_id,
        url=mention.url,
        title=mention.title,
        text=mention.text,
        author=mention.author,
        author_reach=mention.author_reach,
        engagement=mention.engagement,
        published_at=mention.published_at,
        fetched_at=mention.fetched_at,
        sentiment=mention.sentiment,
        urgency=mention.urgency,
        category=mention.category,
        incident=mention.is_incident,
        probability=mention.probability,
        category_probability=mention.category_probability,
        needs_reply=mention.needs_reply,
        opportunity=mention.opportunity,
        language=mention.language,
        model=mention.model,
        incident_id=mention.incident_id,
        reasons=mention.reasons or [],
        duplicate_of_id=mention.duplicate_of_id,
        label=LabelRead(**dataclasses.asdict(label)) if label else None,
        reply=_reply(mention),
    )


def _reply(mention: Mention) -> ReplyRead | None:
    state = reply_state(mention)
    if state is None:
        return None
    return ReplyRead(
        status=state,  # type: ignore[arg-type]
        assignee=mention.reply_assignee,
        replied_at=mention.replied_at,
        replied_by=mention.replied_by,
        url=mention.reply_url,
        response_seconds=response_seconds(mention),
    )


def read_all(session: Session, rows: Sequence[Any]) -> list[MentionRead]:
    """API views of (mention, brand, source) rows, with their labels fetched in one query."""
    labels = current_labels(session, [row[0].id for row in rows])
    return [to_read(m, brand, source, labels.get(m.id)) for m, brand, source in rows]


def get_mention(session: Session, *, mention_id: int) -> MentionRead | None:
    """One mention, or None."""
    rows = session.execute(mention_rows().where(Mention.id == mention_id)).all()
    return read_all(session, rows)[0] if rows else None


def list_mentions(session: Session, *, filters: MentionFilters) -> Page[MentionRead]:
    """One page of mentions matching `filters`, newest first; stable while new ones arrive."""
    stmt = mention_rows()
    # names resolved to ids first, so the main query filters on the indexed mentions.brand_id /
    # source_id instead of joining on brands.name; an unknown name is an empty page, as before
    for name, column, id_column in (
        (filters.brand, Brand.name, Mention.brand_id),
        (filters.source, Source.name, Mention.source_id),
    ):
        if name is not None:
            found = id_by_name(session, column, name)
            if found is None:
                return Page[MentionRead](items=[], next_cursor=None)
            stmt = stmt.where(id_column == found)
    if filters.category == "none":
        stmt = stmt.where(Mention.category.is_(None))
    elif filters.category is not None:
        stmt = stmt.where(Mention.category == filters.category)
    if filters.incident is not None:
        stmt = stmt.where(Mention.is_incident == filters.incident)
    if filters.incident_id is not None:
        stmt = stmt.where(Mention.incident_id == filters.incident_id)
    if filters.since is not None:
        stmt = stmt.where(Mention.published_at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(Mention.published_at < filters.until)
    if filters.min_urgency is not None:
        stmt = stmt.where(Mention.urgency >= filters.min_urgency)
    if filters.needs_reply is not None:
        stmt = stmt.where(Mention.needs_reply == filters.needs_reply)
    if filters.opportunity is not None:
        stmt = stmt.where(Mention.opportunity == filters.opportunity)
    if filters.replied is True:
        stmt = stmt.where(Mention.reply_status == "replied")
    elif filters.replied is False:
        stmt = stmt.where(or_(Mention.reply_status.is_(None), Mention.reply_status.not_in(DONE)))
    if filters.reply == "open":
        stmt = stmt.where(waiting())
    elif filters.reply is not None:
        stmt = stmt.where(Mention.reply_status == filters.reply)
    if filters.assignee is not None:
        stmt = stmt.where(Mention.reply_assignee == filters.assignee)
    if filters.language is not None:
        code = filters.language.lower()
        stmt = stmt.where(or_(Mention.language == code, Mention.language.ilike(f"{code}-%")))
    if filters.q is not None and (matched := search.condition(session, filters.q)) is not None:
        stmt = stmt.where(matched)  # full text over text, title and author (search.py)
    if filters.cursor is not None:
        published_at, mention_id = decode_cursor(filters.cursor, datetime, int)
        # a row-value comparison is an index condition on ix_mentions_published; the equivalent
        # `a < X OR (a = X AND id < Y)` was a filter, so a page 500k rows deep scanned them all
        stmt = stmt.where(tuple_(Mention.published_at, Mention.id) < (published_at, mention_id))
    stmt = stmt.order_by(Mention.published_at.desc(), Mention.id.desc()).limit(filters.limit + 1)
    rows = session.execute(stmt).all()
    items = read_all(session, rows[: filters.limit])
    next_cursor = None
    if len(rows) > filters.limit:
        last = rows[filters.limit - 1][0]
        next_cursor = encode_cursor(last.published_at, last.id)
    return Page[MentionRead](items=items, next_cursor=next_cursor)


def incident_timeline(
    session: Session, *, incident_id: int, cap: int = TIMELINE_CAP
) -> Sequence[MentionRead]:
    """An incident's mentions, oldest first, at most `cap`."""
    stmt = (
        mention_rows()
        .where(Mention.incident_id == incident_id)
        .order_by(Mention.published_at.asc(), Mention.id.asc())
        .limit(cap)
    )
    return read_all(session, session.execute(stmt).all())
