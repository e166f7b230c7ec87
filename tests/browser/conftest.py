"""A real quarter rendered once and served on 127.0.0.1, and Debian's Chromium to read it.

The quarter is the demo CRM's latest for SMB plus the all-teams roll-up, every analysis, made
by the ``salesops run`` command; a second run of the ``raises`` fixture notebook supplies a
real failure page. Both folders are served by an ``http.server`` thread, so pages load over
HTTP as a reader's browser loads them.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from salesops.data.demo import write_demo
from salesops.report.run.plan import RunRequest
from salesops.report.run.runner import run_reports

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FIXTURE_NOTEBOOKS = Path(__file__).parents[1] / "fixtures" / "notebooks"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of the served folder: the quarter under ``<base>/2026Q3/``, the failure
    run under ``<base>/failed/2026Q3/``, and both in French under ``<base>/fr/``."""
    root = tmp_path_factory.mktemp("site")
    source = root.parent / "browser-demo.duckdb"
    write_demo(source)
    done = subprocess.run(
        [
            *(sys.executable, "-m", "salesops", "run", "--quarter", "latest", "--team", "SMB"),
            *("--source", str(source), "--out", str(root), "--jobs", "2"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    french = subprocess.run(
        [
            *(sys.executable, "-m", "salesops", "run", "--quarter", "latest", "--team", "SMB"),
            *("--source", str(source), "--out", str(root / "fr"), "--jobs", "2"),
            *("--locale", "fr_FR"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert french.returncode == 0, french.stdout + french.stderr
    notebooks = root.parent / "failing-notebooks"
    notebooks.mkdir()
    shutil.copy(FIXTURE_NOTEBOOKS / "raises.ipynb", notebooks / "raises.ipynb")
    for out, locale in ((root / "failed", None), (root / "fr" / "failed", "fr_FR")):
        failed = run_reports(
            RunRequest(
                quarters=["latest"],
                teams=["SMB"],
                rollup=False,
                source=str(source),
                out_dir=out,
                notebooks_dir=notebooks,
                jobs=1,
                locale=locale,
                progress=io.StringIO(),
            )
        )
        assert failed.exit_code == 1
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[playwright_api.Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """A page opened in a fresh browser context, with every request and console error seen."""

    page: playwright_api.Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def visit(browser: playwright_api.Browser, site: str) -> Iterator:
    """``visit(path, width, height)`` opens a served page; requests that would leave 127.0.0.1
    are recorded and aborted, so a leak fails the test without reaching the network."""
    contexts = []

    def open_page(path: str, width: int = 1280, height: int = 800) -> Visit:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        seen = Visit(page)
        page.on("request", lambda request: seen.requests.append(request.url))
        page.on("pageerror", lambda error: seen.errors.append(str(error)))
        page.on(
            "console",
            lambda message: seen.errors.append(message.text) if message.type == "error" else None,
        )

        def keep_local(route: playwright_api.Route) -> None:
            if route.request.url.startswith(site + "/"):
                route.continue_()
            else:
                route.abort()

        context.route("**/*", keep_local)
        response = page.goto(f"{site}/{path}", wait_until="load")
        assert response is not None and response.status == 200, path
        return seen

    yield open_page
    for context in contexts:
        context.close()
