from __future__ import annotations

from collections.abc import Callable

import matplotlib
import pytest

matplotlib.use("Agg")

# Data that tries to become markup, a script, a link or math wherever a string reaches a page.
HOSTILE_STRINGS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "$x$",
]


@pytest.fixture(params=HOSTILE_STRINGS)
def hostile(request: pytest.FixtureRequest) -> str:
    return request.param


def _assert_inert(markup: str) -> None:
    """No tag, handler or link from data survives, and MathJax is told to leave the block alone."""
    assert "<script" not in markup
    assert "<img src=x" not in markup
    assert "javascript:" not in markup.split("href=", 1)[-1].split(">", 1)[0]
    assert "tex2jax_ignore" in markup


@pytest.fixture
def assert_inert() -> Callable[[str], None]:
    return _assert_inert
