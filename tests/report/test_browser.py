"""The report in a real browser: Debian's Chromium, driven by Playwright, network blocked."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TITLES = {
    "families": "Score by family",
    "search": "Search over time",
    "roc": "ROC curve (out-of-fold)",
    "pr": "Precision-recall curve (out-of-fold)",
    "calibration": "Calibration (out-of-fold)",
    "confusion": "Confusion matrix (out-of-fold)",
    "folds": "Score per fold",
    "importance": "Importance of the input columns",
}
HEADINGS = {
    "summary": "Run summary",
    "leaderboard": "Leaderboard",
    "model": "The chosen model",
    "importance": "Importance",
    "model-card": "Model card",
}


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"Chromium is not installed ({CHROMIUM}): apt-get install chromium")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed: pip install playwright"
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.mark.slow
def test_the_report_renders_offline_in_chromium(reported, browser, tmp_path: Path) -> None:
    run = reported("titanic")
    url = run.html.resolve().as_uri()
    requests: list[str] = []
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    def route(request_route) -> None:
        requests.append(request_route.request.url)
        if request_route.request.url == url:
            request_route.continue_()
        else:
            request_route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="load")

    assert errors == [] and requests == [url]
    for section, heading in HEADINGS.items():
        assert page.locator(f"section#{section} > h2").inner_text() == heading
        assert page.locator(f"section#{section}").is_visible()
    assert run.document["plots"] == list(TITLES)
    for key, title in TITLES.items():
        svg = page.locator(f"figure#plot-{key} > svg")
        assert svg.locator("title").first.text_content() == title
        box = svg.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 200, (key, box)
        assert svg.locator("path").count() >= 8, key  # axes, ticks and the marks themselves
        assert title in page.locator(f"figure#plot-{key} figcaption").inner_text()
    # nothing wider than the window at 1280 px
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    screenshot = tmp_path / "report.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 50_000
    print(f"screenshot: {screenshot}")
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= len(HEADINGS)  # each section starts a page when printed
    (tmp_path / "report.pdf").write_bytes(pdf)
    assert errors == [] and requests == [url]
    page.close()
