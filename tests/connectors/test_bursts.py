"""A burst deeper than one poll's page budget is read whole over the next polls, never skipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from connectors.base import Connector, FetchResult, PollState
from connectors.helpers import drain_cursor
from connectors.registry import CONNECTORS, validate_config
from tests.connectors.burst_apis import FAKE_APIS, DiscourseSearchApi, FakeApi, XApi

BURST_PAGES = 20


class Store:
    """What the mention store does with a poll's items: keep each external id once."""

    def __init__(self, api: FakeApi) -> None:
        self.api = api
        self.connector: Connector = CONNECTORS[api.slug]()  # fresh: no cached sessions
        self.config = validate_config(api.slug, api.config)
        self.ids: set[str] = set()
        self.polls: list[FetchResult] = []
        self.pages: list[int] = []  # API requests per poll
        self.state = PollState()

    async def poll(self, client: httpx.AsyncClient) -> FetchResult:
        sent = len(self.api.data_requests())
        result = await self.connector.fetch(client, self.config, self.state)
        self.pages.append(len(self.api.data_requests()) - sent)
        for raw in result.items:
            mention = self.connector.normalize(raw, self.config)
            assert mention is not None
            self.ids.add(mention.external_id)
        self.polls.append(result)
        self.state = result.state
        return result


@pytest.mark.parametrize("name", sorted(FAKE_APIS))
async def test_a_20_page_burst_between_two_polls_is_stored_whole(name):
    api = FAKE_APIS[name]()
    store = Store(api)
    budget = store.connector.max_pages
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.handler)) as client:
        api.add(3)
        await store.poll(client)  # the first poll: sets the cursor
        api.add(BURST_PAGES * api.page_size)
        drain = 0
        while True:
            result = await store.poll(client)
            drain += 1
            if drain == 1:
                before = api.ids()
                api.add(7)  # more arrive while the backlog is being read
                late = api.ids() - before
            if not result.more:
                break
            assert drain <= BURST_PAGES, "the backlog never drains"
        after = await store.poll(client)  # the next regular poll: what arrived meanwhile
        quiet = await store.poll(client)
    missing = api.ids() - store.ids
    assert not missing, f"{len(missing)} of {len(api.ids())} items never read"
    # The budget bounded each poll and the rest came on the polls right after, not by skipping.
    assert drain >= BURST_PAGES // budget
    assert max(store.pages) <= budget
    assert not any(poll.gaps for poll in store.polls)
    assert {store.connector.normalize(i, store.config).external_id for i in after.items} == late
    assert not after.more and quiet.items == [] and quiet.state.cursor == after.state.cursor


async def test_x_cursor_older_than_the_search_window_records_the_gap():
    """Recent search cannot reach back past 7 days: the lost span is reported, the window read."""
    now = datetime.now(UTC)
    api = XApi(start=now - timedelta(days=9))
    store = Store(api)
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.handler)) as client:
        api.add(2)
        store.state = PollState(cursor=api.items[0]["id"])  # the last poll, 9 days ago: then an outage
        api.start = now - timedelta(hours=1)
        api.add(3 * api.page_size)
        result = await store.poll(client)
        again = await store.poll(client)
    request = api.data_requests()[0]
    assert "since_id" not in request.url.params and request.url.params["start_time"]
    [gap] = result.gaps
    assert "7 days" in gap.reason
    assert gap.since is not None and gap.since < now - timedelta(days=8)
    assert gap.until is not None and now - timedelta(days=7) < gap.until < now - timedelta(days=6)
    assert not result.more and len(store.ids) == 3 * api.page_size  # everything in the window read
    assert again.items == [] and again.gaps == ()  # found once, not at every poll


async def test_x_backlog_that_fell_out_of_the_window_is_a_gap_then_reading_goes_on():
    """A drain interrupted for days: what is left of it is past the window, reported, not asked for."""
    now = datetime.now(UTC)
    api = XApi(start=now - timedelta(days=8))
    store = Store(api)
    api.add(3)
    api.add(10 * api.page_size)  # a burst 8 days ago; 3 of its 10 pages were read, then no poll since
    hw, top, resume = api.items[10 * api.page_size]["id"], api.items[0]["id"], api.items[300]["id"]
    store.state = PollState(cursor=drain_cursor(hw, top=top, resume=resume))
    api.start = now - timedelta(hours=2)
    api.add(5)
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.handler)) as client:
        lost = await store.poll(client)
        assert api.data_requests() == []  # nothing the API would answer was asked
        after = await store.poll(client)
    [gap] = lost.gaps
    assert lost.items == [] and lost.more
    assert (gap.since, gap.until) == (_created(api, hw), _created(api, resume))
    assert lost.state.cursor == top  # the backlog is given up; reading goes on above its top
    assert "until_id" not in api.data_requests()[0].url.params  # the stale resume point is not sent
    [window] = after.gaps  # the burst's top is past the window too: that span is reported as well
    assert len(after.items) == 5 and not after.more and window.since == _created(api, top)


async def test_x_quiet_query_is_not_a_gap():
    """A query with no post for over 7 days saw everything at each poll: its cursor keeps up."""
    now = datetime.now(UTC)
    api = XApi(start=now - timedelta(days=6, hours=12))
    store = Store(api)
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.handler)) as client:
        api.add(2)
        first = await store.poll(client)
        later = await store.poll(client)
    # the newest post is 6.5 days old: the cursor moved up to an hour ago, so a week on it is
    # still inside the window, and the next poll asks since_id (no start_time, no gap)
    assert first.state.cursor is not None and int(first.state.cursor) > int(api.items[0]["id"])
    assert "since_id" in api.data_requests()[-1].url.params and not later.gaps and later.items == []


async def test_discourse_search_past_10_pages_in_one_day_records_the_gap():
    """search.json stops at page 10 and before: takes whole days: the rest of that day is a gap."""
    day = datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0) - timedelta(days=1)
    api = DiscourseSearchApi(start=day)
    api.spacing = timedelta(seconds=30)  # 1,003 posts within 9 hours of one day
    store = Store(api)
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.handler)) as client:
        api.add(3)
        await store.poll(client)
        api.add(20 * api.page_size)
        for _ in range(10):
            result = await store.poll(client)
            if not result.more:
                break
    assert not result.more
    [gap] = [g for poll in store.polls for g in poll.gaps]
    assert "10 pages" in gap.reason and gap.since == day.replace(hour=0)
    newest_500 = {str(i["id"]) for i in api.items[:500]}
    assert newest_500 <= store.ids and gap.until is not None
    unread = api.ids() - store.ids
    # exactly the posts older than the oldest read on that day, and every one is inside the gap
    assert unread and all(day <= _created(api, i) < gap.until for i in unread)
    # page 10 was the deepest asked for, and the day's 10 pages were not read twice to find that out
    pages = [int(r.url.params.get("page", 1)) for r in api.data_requests()]
    assert max(pages) == 10 and len(pages) <= 1 + 10 + 1


def _created(api: FakeApi, external_id: str) -> datetime:
    [item] = [i for i in api.items if api.external_id(i) == external_id]
    return datetime.fromisoformat(item["created_at"].replace("Z", "+00:00"))
