"""The docs page: Swagger UI at /docs/ on the local server, opened in headless Chromium (Debian's chromium,
driven by Playwright's Python package; no browser download). Every operation of openapi.yaml is listed, and
"Try it out" works with an API key: Authorize, GET /tasks, Execute, 200 with the caller's task.
A screenshot goes to build/docs/ (gitignored)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest
import yaml

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
# As root, in a sandbox whose network reaches package registries only (see .ci/run for the install).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
METHODS = ("get", "put", "post", "delete", "patch")


def spec_operations() -> set[tuple[str, str]]:
    paths = yaml.safe_load((ROOT / "openapi.yaml").read_text())["paths"]
    return {(m.upper(), p) for p, item in paths.items() for m in item if m in METHODS}


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: `make browser` installs Debian's chromium (CI: .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_spec_and_assets_are_served_locally(server_url: str) -> None:
    spec = httpx.get(f"{server_url}/openapi.json", timeout=10)
    assert spec.status_code == 200 and spec.headers["content-type"].startswith("application/json")
    assert {(m.upper(), p) for p, item in spec.json()["paths"].items() for m in item if m in METHODS} == spec_operations()
    page = httpx.get(f"{server_url}/docs/", timeout=10)
    assert page.status_code == 200 and "swagger-ui-bundle.js" in page.text
    assert "//" not in page.text.split("swagger-ui-bundle.js")[0].rsplit("src=", 1)[-1]  # a relative asset, no CDN
    assert httpx.get(f"{server_url}/docs/swagger-ui-bundle.js", timeout=10).status_code == 200
    assert httpx.get(f"{server_url}/docs", timeout=10, follow_redirects=True).url.path == "/docs/"


def test_docs_page_lists_every_operation_and_try_it_out_works(server_url: str, browser, make_user) -> None:
    user = make_user()
    task = user.new_task("Seen through the docs page")
    requests_made: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 2400})
    page.on("request", lambda r: requests_made.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server_url}/docs/")
    page.wait_for_selector(".opblock-summary", timeout=30_000)

    pairs = page.eval_on_selector_all(
        ".opblock-summary",
        "els => els.map(e => [e.querySelector('.opblock-summary-method').textContent.trim(),"
        " e.querySelector('.opblock-summary-path').getAttribute('data-path')])",
    )
    listed = {(method.upper(), path) for method, path in pairs}
    assert listed == spec_operations()

    # Authorize with the API key.
    page.click("button.authorize")
    page.fill(".modal-ux input[type=text], .modal-ux input[type=password]", user.key)
    page.click(".modal-ux .auth-btn-wrapper button.authorize")
    page.click(".modal-ux .auth-btn-wrapper button.btn-done")

    # GET /tasks: Try it out, Execute, see 200 and the caller's task.
    block = page.locator(".opblock-get", has=page.locator('.opblock-summary-path[data-path="/tasks"]'))
    block.locator(".opblock-summary").first.click()
    block.locator("button.try-out__btn").click()
    block.locator("button.execute").click()
    status = block.locator(".live-responses-table .response .response-col_status").first
    status.wait_for(timeout=30_000)
    assert status.inner_text().strip().startswith("200")
    body = block.locator(".live-responses-table .response-col_description .microlight").first.inner_text()
    assert task["taskId"] in body and "Seen through the docs page" in body

    shots = ROOT / "build" / "docs"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "swagger-ui.png"), full_page=False)
    page.close()

    assert not errors, errors
    outside = [u for u in requests_made if not u.startswith(server_url) and not u.startswith("data:")]
    assert outside == [], f"the docs page fetched from outside the server: {outside}"
