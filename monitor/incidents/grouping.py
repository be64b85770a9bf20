"""Batch grouping: attach a batch's flagged mentions to incidents, then decide once per incident.

Alertmanager's lesson, "group, then decide": the mentions of one poll are partitioned by brand and
category and attached in published order (so one partition may still split across the window);
then the alert policy runs once per incident with all of the batch's mentions in. The facts at each
mention are exactly what mention-at-a-time grouping saw; the incident's alert state is the one it
had before the batch, and the first mention the policy would page on is the trigger. So a burst
that arrives in one poll is one message, not "opened" then "escalated". This module attaches;
`batch_decide.py` gives each step its severity and runs the policy.

A number of statements per batch that does not grow with its mentions: on PostgreSQL a lock per
brand and category pair, the brands, every candidate incident, the brands' baselines (two), the
touched incidents' recent counts (two), the slow-burn counts (two per category not yet alerted,
and one for past pages), the flush, and the duplicates.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, or_, select, text, tuple_, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from monitor.brands.models import Brand
from monitor.config import AlertPolicyConfig
from monitor.db import utcnow
from monitor.incidents.baseline import BrandVolumes
from monitor.incidents.batch_decide import Group, Step, decide_group, severities
from monitor.incidents.models import Incident
from monitor.incidents.policy import BURST_MINUTES, HIGH_WEIGHT, SEVERE_WEIGHT
from monitor.incidents.slow_burn import SlowBurns
from monitor.incidents.stats import echo_rows, incident_counts
from monitor.mentions.models import Mention
from monitor.scoring import CATEGORY_WEIGHT

ACTIVE = ("open", "acknowledged")
# A resolved incident that comes back within a day reopens as regressed (same id, same history);
# later, the same category is a new incident. Only incidents the team heard of or closed by hand
# regress: an auto-resolved pair of grumbles nobody was told about is not worth reviving.
REGRESSION_WINDOW = timedelta(hours=24)


def _quiet_since(inc: Incident, quiet: timedelta) -> datetime | None:
    """When the incident ended: by hand, when resolved; by itself, when it went quiet long enough.

    The sweeper may run late (a worker restart, a replay that only advances with its records); the
    regression window must not grow with that lag.
    """
    if inc.resolved_at is None or inc.resolved_by != "auto":
        return inc.resolved_at
    return min(inc.resolved_at, inc.last_seen_at + quiet)


def _regressable(inc: Incident, at: datetime, quiet: timedelta) -> bool:
    ended = _quiet_since(inc, quiet)
    return (
        inc.status == "resolved"
        and ended is not None
        and ended >= at - REGRESSION_WINDOW
        and (inc.alerted or (inc.resolved_by is not None and inc.resolved_by != "auto"))
    )


def _reach(inc: Incident, window: timedelta, open_life: timedelta) -> timedelta:
    """How long after its last mention an open incident still takes a new one.

    window_minutes for volume categories nobody was told about (scattered grumbles must not pile
    into one all-day incident); for a rare category (pricing and worse) and for an incident the
    team has heard of, its whole open life: a second report of a glitch three hours later is the
    same glitch, and a new incident would announce it as news again.
    """
    if inc.alerted or CATEGORY_WEIGHT.get(inc.category, 0.0) >= HIGH_WEIGHT:
        return open_life
    return window


def _reopen(inc: Incident) -> None:
    inc.status = "open"
    inc.regressed = True
    inc.regression_count += 1
    # a new episode has its own message budget: the cap stops one episode's repeats, and a glitch
    # that comes back the next day must be told even if yesterday's episode spent its three
    inc.messages_sent = 0
    inc.resolved_at = inc.resolved_by = inc.resolution_note = None
    # a new episode: whoever acknowledged the last one has not seen this one yet
    inc.acknowledged_at = inc.acknowledged_by = None


def _new_incident(m: Mention, now: datetime) -> Incident:
    t = m.published_at
    return Incident(
        brand_id=m.brand_id,
        category=m.category or "",
        status="open",
        severity=4,
        mention_count=0,
        reach=0,
        max_urgency=0.0,
        direct_count=0,
        first_seen_at=t,
        last_seen_at=t,
        opened_at=now,
        acknowledged_at=None,
        acknowledged_by=None,
        assigned_to=None,
        resolved_at=None,
        resolved_by=None,
        resolution_note=None,
        regressed=False,
        regression_count=0,
        alerted=False,
        alerted_severity=None,
        messages_sent=0,
        state_version=0,
    )


# Built once: constructing SQL expressions costs more per batch than running these.
_BRANDS = select(Brand).where(Brand.id.in_(bindparam("ids", expanding=True)))
# On PostgreSQL several workers group at once. A transaction-scoped advisory lock per (brand,
# category) pair, taken before the candidates are read and held until the batch commits, queues
# the second grouper of a pair behind the first, which then sees the first one's new incident
# instead of opening a twin. Taken in one order (brand id, category key), so two batches never wait
# on each other in a circle. Per pair, not per brand: the brand-row lock this replaces made every
# batch of a brand wait for every other (two workers polled fewer sources than one, issue #12), and
# no row lock means no conflict with the FOR KEY SHARE the batch's mention inserts take on the brand.
# One statement for all of a batch's pairs; the rows come (and lock) in the arrays' sorted order.
_PAIR_LOCKS = text(
    "SELECT pg_advisory_xact_lock(t.b, t.c) FROM unnest(CAST(:brands AS integer[]), "
    "CAST(:keys AS integer[])) WITH ORDINALITY AS t(b, c, i) ORDER BY t.i"
)


def _category_key(category: str) -> int:
    """The category as a stable signed int4 (the lock's second key); a collision only over-serializes."""
    return zlib.crc32(category.encode()) - 2**31


def _lock_pairs(session: Session, pairs: set[tuple[int, str]]) -> None:
    ordered = sorted({(b, _category_key(c)) for b, c in pairs})
    params = {"brands": [b for b, _ in ordered], "keys": [k for _, k in ordered]}
    session.execute(_PAIR_LOCKS, params).all()


_CANDIDATES = select(Incident).where(
    Incident.brand_id.in_(bindparam("brands", expanding=True)),
    Incident.category.in_(bindparam("categories", expanding=True)),
    # the exact pairs: brands x categories alone would load (as ORM objects) incidents nobody uses
    tuple_(Incident.brand_id, Incident.category).in_(bindparam("pairs", expanding=True)),
    or_(
        Incident.status.in_(ACTIVE),
        (Incident.status == "resolved") & (Incident.resolved_at >= bindparam("since")),
    ),
)
_mentions = Mention.__table__
_SET_INCIDENT = (
    update(_mentions).where(_mentions.c.id == bindparam("mid")).values(incident_id=bindparam("iid"))
)


_TOTALS = (
    "severity",
    "mention_count",
    "reach",
    "max_urgency",
    "direct_count",
    "first_seen_at",
    "last_seen_at",
)
_incidents = Incident.__table__


def _insert(session: Session, incidents: list[Incident]) -> None:
    """Insert new incidents in one statement and make them the session's own rows.

    The unit of work would insert them one by one on SQLite (no RETURNING order guarantee);
    a new incident is the only one of its brand, category and first_seen_at in a batch.
    """
    if not incidents:
        return
    now = utcnow()
    rows = []
    for inc in incidents:
        inc.updated_at = now
        rows.append({c.key: getattr(inc, c.key) for c in _incidents.columns if c.key != "id"})
    c = _incidents.c
    # executemany with RETURNING: SQLAlchemy sends it as one multi-row INSERT ("insertmanyvalues")
    stmt = insert(_incidents).returning(c.id, c.brand_id, c.category, c.first_seen_at)
    ids = {(b, cat, at): i for i, b, cat, at in session.execute(stmt, rows)}
    for inc in incidents:
        inc.id = ids[(inc.brand_id, inc.category, inc.first_seen_at)]
        make_transient_to_detached(inc)
        session.add(inc)


def _candidates(
    session: Session, todo: Sequence[Mention], brands: dict[int, Brand]
) -> dict[tuple[int, str], list[Group]]:
    """Every open or recently resolved incident of the batch's brand/category pairs (one statement)."""
    pairs = {(m.brand_id, m.category or "") for m in todo}
    oldest = min(m.published_at for m in todo)
    params = {
        "brands": sorted({b for b, _ in pairs}),
        "categories": sorted({c for _, c in pairs}),
        "pairs": sorted(pairs),
        "since": oldest - REGRESSION_WINDOW,
    }
    rows = session.scalars(_CANDIDATES, params)
    out: dict[tuple[int, str], list[Group]] = {p: [] for p in pairs}
    for inc in rows:
        if (inc.brand_id, inc.category) in out:
            group = Group(inc, brands[inc.brand_id], created=False, order=0, start_severity=inc.severity)
            out[(inc.brand_id, inc.category)].append(group)
    return out


def _attach(
    m: Mention,
    pool: list[Group],
    brand: Brand,
    *,
    window: timedelta,
    open_life: timedelta,
    quiet: timedelta,
    now: datetime,
    new: list[Group],
) -> Group:
    """The incident the mention joins, as mention-at-a-time grouping would pick it (or a new one)."""
    t = m.published_at
    active = [
        g
        for g in pool
        if g.incident.status in ACTIVE
        and g.incident.first_seen_at - window
        <= t
        <= g.incident.last_seen_at + _reach(g.incident, window, open_life)
    ]
    if active:
        return max(active, key=Group.rank)
    back = [g for g in pool if _regressable(g.incident, t, quiet)]
    if back:
        group = max(back, key=lambda g: (g.incident.resolved_at, g.incident.id))
        _reopen(group.incident)
        group.regressed_by = m
        return group
    group = Group(_new_incident(m, now), brand, created=True, order=len(new), start_severity=4)
    new.append(group)
    pool.append(group)
    return group


def _join(group: Group, m: Mention) -> None:
    inc = group.incident
    t = m.published_at
    if m.duplicate_of_id is None:  # the same story cross-posted counts once; its reach still adds up
        inc.mention_count += 1
        inc.direct_count += int(m.direct)
    inc.reach += m.author_reach or 0
    inc.max_urgency = max(inc.max_urgency, m.urgency)
    inc.first_seen_at = min(inc.first_seen_at, t)
    inc.last_seen_at = max(inc.last_seen_at, t)
    before = group.steps[-1].engagement if group.steps else 0
    reset = (group.created and not group.steps) or group.regressed_by is m
    group.steps.append(
        Step(m, inc.mention_count, inc.reach, inc.max_urgency, before + (m.engagement or 0), reset)
    )


def group_batch(
    session: Session, mentions: Sequence[Mention], *, policy: AlertPolicyConfig, now: datetime
) -> list[Group]:
    """Attach the batch's new flagged mentions and decide once per incident; the caller notifies."""
    todo = sorted(
        (m for m in mentions if m.is_incident and m.category and m.incident_id is None),
        key=lambda m: (m.published_at, m.id),
    )
    if not todo:
        return []
    window = timedelta(minutes=policy.window_minutes)
    quiet = timedelta(minutes=policy.resolve_after_minutes)
    # an open incident lives until it auto-resolves; rare categories count their voices over it
    open_life = max(window, quiet)
    burst = min(window, timedelta(minutes=BURST_MINUTES))
    if session.get_bind().dialect.name == "postgresql":  # SQLite: one writer at a time already
        _lock_pairs(session, {(m.brand_id, m.category or "") for m in todo})
    brands = {b.id: b for b in session.scalars(_BRANDS, {"ids": sorted({m.brand_id for m in todo})})}
    pools = _candidates(session, todo, brands)
    new: list[Group] = []
    touched: dict[Group, None] = {}  # in order of each incident's first mention in the batch
    for m in todo:
        pool = pools[(m.brand_id, m.category or "")]
        group = _attach(
            m, pool, brands[m.brand_id], window=window, open_life=open_life, quiet=quiet, now=now, new=new
        )
        touched[group] = None
        _join(group, m)
    groups = list(touched)

    lo, hi = todo[0].published_at, todo[-1].published_at
    with session.no_autoflush:  # one flush below, after severity is known
        stored = [g.incident.id for g in groups if not g.created]
        counts = incident_counts(session, incident_ids=stored, lo=lo, hi=hi, window=open_life, burst=burst)
        created = {b.id: b.created_at for b in brands.values()}
        volumes = BrandVolumes(session, created, lo, hi)
        # severe categories page on one post, and an incident that paged is past its first message:
        # only the others can smoulder (two statements per such category, one for past pages)
        smoulder = {
            (g.incident.brand_id, g.incident.category)
            for g in groups
            if CATEGORY_WEIGHT.get(g.incident.category, 0.0) < SEVERE_WEIGHT and not g.incident.alerted
        }
        slow = SlowBurns(session, smoulder, created, lo, hi, policy.slow_burn_days)
    for g in groups:
        severities(g, counts, volumes, window=open_life, burst=burst)

    for g in groups:  # the same columns for every stored one: one UPDATE statement for them all
        if not g.created:
            for attr in _TOTALS:
                flag_modified(g.incident, attr)
    session.flush()
    _insert(session, [g.incident for g in new])
    # one executemany, and the rows' attributes set as loaded: no per-object unit of work
    session.execute(
        _SET_INCIDENT, [{"mid": s.mention.id, "iid": g.incident.id} for g in groups for s in g.steps]
    )
    for g in groups:
        for step in g.steps:
            set_committed_value(step.mention, "incident_id", g.incident.id)
    ids = [g.incident.id for g in groups]
    echoes = echo_rows(session, incident_ids=ids, lo=lo, hi=hi, window=open_life)
    order = {m.id: i for i, m in enumerate(todo)}
    paged: dict[tuple[int, str], datetime] = {}  # slow-burn pairs this batch already pages
    for g in groups:
        decide_group(
            g,
            echoes.get(g.incident.id, []),
            order,
            volumes,
            slow,
            policy,
            now=now,
            window=open_life,
            burst=burst,
            paged=paged,
        )
    return groups
