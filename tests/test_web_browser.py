"""The live web view in a real browser: Debian's headless Chromium, via Selenium."""

from __future__ import annotations

import shutil
import time

import numpy as np
import pytest

pytest.importorskip("aiohttp")
from _web import CHROMEDRIVER, CHROMIUM, WebSession, chromium, dom_latencies_ms  # noqa: E402

from eegstream.web import WebServer, WebSettings  # noqa: E402

pytestmark = [
    pytest.mark.lsl,
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()),
        reason=f"no {CHROMIUM} or {CHROMEDRIVER}: apt-get install chromium "
        "chromium-driver (.ci/run does)",
    ),
]


@pytest.fixture
def browser(tmp_path):
    pytest.importorskip("selenium")
    driver = chromium(tmp_path / "profile")
    yield driver
    driver.quit()


def _wait(driver, script: str, want, session: WebSession, top: str, label, timeout=20):
    """Push steps of class ``top`` until ``script`` returns ``want`` in the page."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session.step(top, label=label)
        if driver.execute_script(script) == want:
            return
        time.sleep(0.2)
    raise AssertionError(f"{script!r} never gave {want!r}")


def test_the_session_page_follows_the_stream(browser, tmp_path, unique_id) -> None:
    server = WebServer(WebSettings(port=0)).start()
    session = WebSession(unique_id)
    try:
        browser.get(f"http://127.0.0.1:{server.port}/s/{unique_id}")
        gauge = "return document.getElementById('gauge-class').dataset.class"
        truth = "return document.getElementById('truth').dataset.label"
        _wait(browser, gauge, "sad", session, "sad", "sad")
        _wait(browser, truth, "sad", session, "sad", "sad")
        assert browser.find_element("id", "synthetic").is_displayed()
        who = browser.find_element("id", "who").text
        assert "wearer P07" in who and "model tiny" in who
        assert not browser.find_element("id", "waiting").is_displayed()
        # The streamed class changes: the gauge and the truth follow.
        _wait(browser, gauge, "happy", session, "happy", "happy")
        _wait(browser, truth, "happy", session, "happy", "happy")
        # Sample-to-DOM latency over 30 steps at 10 per second.
        session.walls.clear()
        for k in range(30):
            session.step("fear" if k % 2 else "happy", label="happy")
            time.sleep(0.1)
        time.sleep(0.5)
        latencies = dom_latencies_ms(browser, session.walls)
        assert len(latencies) == 30  # every step reached the page
        print(
            f"sample-to-DOM latency over {len(latencies)} steps: p50 "
            f"{np.percentile(latencies, 50):.1f} ms, p99 "
            f"{np.percentile(latencies, 99):.1f} ms"
        )
        browser.save_screenshot(str(tmp_path / "web-view.png"))
        assert (tmp_path / "web-view.png").stat().st_size > 10_000
        # The participant's view: the ring in the top class's colour, no words.
        browser.get(f"http://127.0.0.1:{server.port}/s/{unique_id}/participant")
        ring = "return document.getElementById('ring').dataset.class"
        _wait(browser, ring, "sad", session, "sad", None)
        assert browser.execute_script("return document.body.innerText.trim()") == ""
        # The session ends: the index says so without a reload.
        browser.get(f"http://127.0.0.1:{server.port}/")
        listed = (
            "return [...document.querySelectorAll('#sessions li')]"
            f".some(li => li.dataset.session === {unique_id!r})"
        )
        deadline = time.monotonic() + 10
        while not browser.execute_script(listed) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert browser.execute_script(listed)
        session.end()
        deadline = time.monotonic() + 15
        while browser.execute_script(listed) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not browser.execute_script(listed)
    finally:
        session.end()
        server.stop()


def test_no_session_says_waiting(browser) -> None:
    server = WebServer(WebSettings(port=0)).start()
    try:
        browser.get(f"http://127.0.0.1:{server.port}/s/nobody-here")
        time.sleep(1.0)
        waiting = browser.find_element("id", "waiting")
        assert waiting.is_displayed() and "waiting for a session" in waiting.text
        assert not browser.find_element("id", "live").is_displayed()
        # The page loaded its scripts under the content security policy.
        assert browser.execute_script("return typeof eegConnect") == "function"
    finally:
        server.stop()


def test_chromium_is_the_systems(browser) -> None:
    assert shutil.which("chromium") or CHROMIUM.is_file()
    assert browser.capabilities["browserName"] in ("chrome", "chromium")
