"""Alert fixtures: a real scripted HTTP receiver on 127.0.0.1, seeded rows and channels."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from monitor.brands.models import Brand
from monitor.incidents.models import Incident
from monitor.mentions.models import Mention
from monitor.sources.models import Source

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when it arrived


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: str = "ok"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0


class ScriptedServer:
    """A real HTTP server in a thread: each path answers from its script, then 200 "ok"."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with server._lock:
                    server.requests.append(
                        Received(self.path, dict(self.headers.items()), body, time.monotonic())
                    )
                    script = server._scripts[self.path]
                    reply = script.popleft() if script else Reply()
                if reply.delay:
                    time.sleep(reply.delay)
                data = reply.body.encode()
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers:
                        self.send_header(name, value)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False
            request_queue_size = 128  # the default backlog of 5 refuses connections in the race tests

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05})

    @staticmethod
    def reply(
        status: int = 200, body: str = "ok", headers: dict[str, str] | None = None, delay: float = 0
    ) -> Reply:
        return Reply(status, body, tuple((headers or {}).items()), delay)

    def script(self, path: str, *replies: Reply) -> None:
        with self._lock:
            self._scripts[path].extend(replies)

    def received(self, path: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if path is None or r.path == path]

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer().start()
    yield srv
    srv.stop()


@pytest.fixture
async def http_client() -> Any:
    # trust_env=False: a developer's HTTP(S)_PROXY must not capture loopback traffic
    async with httpx.AsyncClient(trust_env=False, timeout=5.0) as c:
        yield c


@dataclass
class Seeded:
    brand: Brand
    source: Source
    incident: Incident
    mentions: list[Mention]


def seed_incident(
    session: Session,
    *,
    brand_name: str = "Helzberg",
    category: str = "pricing_error",
    n_mentions: int = 3,
    **incident_kw: Any,
) -> Seeded:
    """A brand, a source, an open incident and its mentions, flushed (ids known), not committed."""
    brand = session.query(Brand).filter_by(name=brand_name).one_or_none()
    if brand is None:
        brand = Brand(name=brand_name, query=brand_name.lower(), handles=[])
        session.add(brand)
    source = session.query(Source).filter_by(name="Reddit r/jewelry").one_or_none()
    if source is None:
        source = Source(name="Reddit r/jewelry", kind="reddit", config={})
        session.add(source)
    session.flush()
    fields: dict[str, Any] = {
        "category": category,
        "severity": 2,
        "status": "open",
        "mention_count": n_mentions,
        "reach": 12_400,
        "first_seen_at": NOW - timedelta(minutes=30),
        "last_seen_at": NOW,
        "state_version": 1,
    }
    incident = Incident(brand_id=brand.id, **(fields | incident_kw))
    session.add(incident)
    session.flush()
    mentions = []
    for i in range(n_mentions):
        m = Mention(
            source_id=source.id,
            brand_id=brand.id,
            external_id=f"{incident.id}-{i}",
            text=f"everything is $0.00 at checkout on {brand_name} <script>alert({i})</script> & more",
            title=f"Post {i}",
            url=f"https://reddit.example/r/jewelry/{i}?a=1&b=2",
            author=f"user{i}",
            author_reach=1000 * (i + 1),
            published_at=NOW - timedelta(minutes=10 * i),
            sentiment=-0.4,
            urgency=0.8,
            category=category,
            is_incident=True,
            incident_id=incident.id,
            reasons=[
                {"cue": "price_zero", "weight": 0.6, "evidence": "$0.00"},
                {"cue": "checkout", "weight": 0.2, "evidence": "checkout"},
            ],
        )
        session.add(m)
        mentions.append(m)
    session.flush()
    return Seeded(brand, source, incident, mentions)


@pytest.fixture
def seed(session: Session) -> Callable[..., Seeded]:
    return lambda **kw: seed_incident(session, **kw)


@pytest.fixture
def seed_into() -> Callable[..., Seeded]:
    """`seed_into(session, **kw)`: the seeder for a session of your own (e.g. on PostgreSQL)."""
    return seed_incident
