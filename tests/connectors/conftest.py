"""Connector test fixtures: one scripted HTTP server on 127.0.0.1 per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.servers import ScriptedServer


@pytest.fixture(scope="module")
def _module_server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:  # one per module: shutting a server down takes half a second
        yield server


@pytest.fixture
def server(_module_server: ScriptedServer) -> ScriptedServer:
    """A real HTTP server with no routes and no recorded requests."""
    _module_server.routes.clear()
    _module_server.requests.clear()
    return _module_server
