"""The reply queue: posts that ask or expect the brand to answer, and who answered them, when.

A mention is in the queue while it waits for an answer: the detector said it needs a reply or is an
opportunity (`reply_status` None), or a person put it there ("open"). A person marks it "replied"
(optionally with a link to the reply) or "no_reply", or assigns it. Time to first response is
`replied_at - published_at`: the customer waited from the moment they posted, not from when the
monitor heard it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from monitor.brands.models import Brand
from monitor.mentions.models import Mention

ReplyStatus = Literal["open", "replied", "no_reply"]
STATUSES: tuple[str, ...] = ("open", "replied", "no_reply")
DONE = ("replied", "no_reply")


class ReplyError(ValueError):
    """A reply update that cannot be applied; `field` names the offending input."""

    def __init__(self, message: str, *, field: str = "url") -> None:
        super().__init__(message)
        self.field = field


def waiting() -> ColumnElement[bool]:
    """Mentions in the queue: the detector's (not yet handled) and those a person opened."""
    return or_(
        Mention.reply_status == "open",
        and_(
            Mention.reply_status.is_(None), or_(Mention.needs_reply.is_(True), Mention.opportunity.is_(True))
        ),
    )


def reply_state(mention: Mention) -> str | None:
    """The effective state: "open" while waiting, "replied" / "no_reply" when done, None if never queued."""
    if mention.reply_status is not None:
        return mention.reply_status
    return "open" if mention.needs_reply or mention.opportunity else None


def response_seconds(mention: Mention) -> float | None:
    """How long the customer waited for the first answer (None until replied)."""
    if mention.reply_status != "replied" or mention.replied_at is None:
        return None
    return max(0.0, (mention.replied_at - mention.published_at).total_seconds())


def _check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ReplyError(f"url must be an http(s) link to the reply, got {url[:80]!r}")
    if len(url) > 2000:
        raise ReplyError("url is longer than 2000 characters")
    return url


def update_reply(
    session: Session,
    *,
    mention_id: int,
    by: str,
    now: datetime,
    status: ReplyStatus | None = None,
    url: str | None = None,
    assignee: str | None = None,
) -> Mention:
    """Mark, link or assign one mention's reply; LookupError if it does not exist. The caller commits.

    "replied" keeps the first reply's time and author (time to *first* response); a later "replied"
    may add the link. Reopening clears the reply. `assignee=""` unassigns.
    """
    mention = session.get(Mention, mention_id)
    if mention is None:
        raise LookupError(mention_id)
    link = url is not None and bool(url.strip())  # "" removes a link: allowed whatever the status
    if link and status not in (None, "replied"):
        raise ReplyError("url is the link to a reply: give it with status 'replied'")
    if link and status is None and mention.reply_status != "replied":
        raise ReplyError("url is the link to a reply: mark the mention replied first (status 'replied')")
    if status == "replied":
        if mention.reply_status != "replied" or mention.replied_at is None:
            mention.replied_at, mention.replied_by = now, by
        mention.reply_status = "replied"
    elif status == "open":
        mention.reply_status = "open"
        mention.replied_at = mention.replied_by = mention.reply_url = None
    elif status == "no_reply":
        mention.reply_status = "no_reply"
        mention.replied_at = mention.replied_by = mention.reply_url = None
    if url is not None and (link or mention.reply_status == "replied"):
        mention.reply_url = _check_url(url) if link else None
    if assignee is not None:
        mention.reply_assignee = assignee.strip() or None
    session.flush()
    return mention


def follow_label(mention: Mention, *, needs_reply: bool | None, opportunity: bool | None) -> None:
    """A person's label moves the mention in or out of the queue, unless it was already handled."""
    if mention.reply_status in DONE or (needs_reply is None and opportunity is None):
        return
    wants = mention.needs_reply if needs_reply is None else needs_reply
    chance = mention.opportunity if opportunity is None else opportunity
    mention.reply_status = "open" if wants or chance else "no_reply"


@dataclass(frozen=True, slots=True)
class ResponseTimes:
    """Time to first response over a set of replied mentions."""

    key: str  # a brand's name or a teammate's
    replied: int
    median_seconds: float
    p90_seconds: float


def _quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile by linear interpolation between closest ranks (values sorted)."""
    if len(values) == 1:
        return values[0]
    pos = q * (len(values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def _summaries(groups: dict[str, list[float]]) -> list[ResponseTimes]:
    out = []
    for key, values in groups.items():
        values.sort()
        out.append(ResponseTimes(key, len(values), _quantile(values, 0.5), _quantile(values, 0.9)))
    return sorted(out, key=lambda r: (-r.replied, r.key))


@dataclass(frozen=True, slots=True)
class ReplyStats:
    waiting: int  # in the queue now
    by_brand: list[ResponseTimes]
    by_teammate: list[ResponseTimes]


def reply_stats(
    session: Session, *, now: datetime, days: int = 30, brand_id: int | None = None
) -> ReplyStats:
    """Median and p90 time to first response per brand and per teammate, replies in the last `days`."""
    since = now - timedelta(days=days)
    stmt = (
        select(Brand.name, Mention.replied_by, Mention.published_at, Mention.replied_at)
        .join(Brand, Brand.id == Mention.brand_id)
        .where(Mention.reply_status == "replied", Mention.replied_at >= since)
    )
    count = select(func.count()).select_from(Mention).where(waiting())
    if brand_id is not None:
        stmt = stmt.where(Mention.brand_id == brand_id)
        count = count.where(Mention.brand_id == brand_id)
    brands: dict[str, list[float]] = defaultdict(list)
    people: dict[str, list[float]] = defaultdict(list)
    for name, who, published, replied in session.execute(stmt):
        seconds = max(0.0, (replied - published).total_seconds())
        brands[name].append(seconds)
        people[who or "unknown"].append(seconds)
    return ReplyStats(
        waiting=session.scalar(count) or 0, by_brand=_summaries(brands), by_teammate=_summaries(people)
    )
