"""The web page in a real browser: Debian's headless Chromium pastes a draft, checks it, finds
the highlighted sentences and the criteria, edits the text and checks again.

Skips with the reason when Chromium, its driver or Selenium is missing (.ci/run installs
Chromium; `apt-get install chromium-driver` and `pip install selenium` add the rest).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import EXAMPLES

REPO = Path(__file__).resolve().parent.parent
SHOT = os.environ.get("PKSB_REFLECT_SCREENSHOT")  # set to write the README's screenshot


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    uvicorn = pytest.importorskip("uvicorn")
    from pksb_reflect.apps.serve import create_app

    port = _free_port()
    app = create_app("127.0.0.1", port, warm=False)
    instance = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        pytest.skip("Chromium or chromedriver not found (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,2000", "--disable-background-networking"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_paste_check_find_highlights_and_criteria_then_recheck(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    started = time.monotonic()
    browser.get(server + "/")
    WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.ID, "text")))
    page_load = time.monotonic() - started
    draft = (EXAMPLES / "chartership_strong.md").read_text(encoding="utf-8")
    box = browser.find_element(By.ID, "text")
    browser.execute_script("arguments[0].value = arguments[1];", box, draft)
    box.send_keys(Keys.END, " ")  # typed into, as a user would after pasting
    browser.find_element(By.ID, "submit").click()
    wait = WebDriverWait(browser, 180)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#report #criteria")))
    first = float(browser.find_element(By.ID, "report").get_attribute("data-seconds"))

    criteria = browser.find_element(By.ID, "criteria").text
    assert "Personal performance" in criteria and "Organisational context" in criteria
    sentences = browser.find_elements(By.CSS_SELECTOR, "#statement .s")
    assert len(sentences) > 20
    assert any("cat-" in s.get_attribute("class") for s in sentences)
    # Keyboard access: Tab reaches a sentence and its reason becomes visible on focus.
    browser.execute_script("arguments[0].focus();", sentences[0])
    tip = sentences[0].find_element(By.CSS_SELECTOR, ".tip")
    assert tip.is_displayed() and tip.text
    assert browser.find_element(By.ID, "privacy").text.count("wrote none") == 1

    if SHOT:  # the page, then the highlighted statement with one sentence's reason shown
        browser.execute_script("window.scrollTo(0, 0);")
        browser.save_screenshot(SHOT)
        from selenium.webdriver.common.action_chains import ActionChains

        ActionChains(browser).move_to_element(browser.find_element(By.ID, "st-title")).perform()
        browser.execute_script(
            "document.getElementById('statement').scrollIntoView();"
            "window.scrollBy(0, -10); arguments[0].focus({preventScroll: true});",
            sentences[6],
        )
        ActionChains(browser).send_keys(Keys.TAB).perform()  # keyboard focus: its ring shows
        browser.save_screenshot(SHOT.replace(".png", "-statement.png"))

    # Edit in place and check again: the unchanged paragraphs are not parsed again.
    box = browser.find_element(By.ID, "text")
    browser.execute_script(
        "arguments[0].value = arguments[0].value + arguments[1];",
        box,
        "\n\nI also learned to ask for feedback sooner. Next year I will ask after every session.",
    )
    old = browser.find_element(By.ID, "r-title")
    browser.find_element(By.ID, "submit").click()
    wait.until(ec.staleness_of(old))
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#report #criteria")))
    again = float(browser.find_element(By.ID, "report").get_attribute("data-seconds"))
    assert "ask for feedback sooner" in browser.find_element(By.ID, "statement").text
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert not errors, errors
    print(f"page load {page_load:.2f} s, first check {first:.2f} s, re-check {again:.2f} s")
