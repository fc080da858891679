"""Fixtures of the production-serving tests: gunicorn servers started for a test and stopped after it."""

from __future__ import annotations

import pytest

from tests.production.helpers import Server


@pytest.fixture
def server_factory(tmp_path):
    servers: list[Server] = []

    def make(database_url: str, workers: int = 2) -> Server:
        server = Server(tmp_path, database_url, workers)
        servers.append(server)
        server.start()
        return server

    yield make
    for server in servers:
        server.stop()
