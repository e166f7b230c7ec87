"""Fixtures for the scale and portability tests: a PostgreSQL server, and the demo in DuckDB."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from postgres import cluster, server_bin


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A running throw-away PostgreSQL cluster's URL (with its password) for the session."""
    bin_dir = server_bin()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); "
            "install it with: apt-get install -y postgresql"
        )
    with cluster(bin_dir) as url:
        yield url
