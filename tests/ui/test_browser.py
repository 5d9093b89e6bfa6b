"""The app in a real headless Chromium (selenium + Debian's chromium-driver).

Asks a question in the Ask view and checks the answer shows, opens every view, plays a quote
from its recording, checks that HTML inside a transcript is shown as text and never run, and
saves a screenshot of each view. Skips, saying how to install them, without chromium,
chromedriver or selenium. Selenium is given the driver path, so selenium-manager never
downloads anything.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = ("chromium", "chromium-browser")
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--mute-audio")
WAIT = 30.0


def chromium_paths() -> tuple[str, str]:
    """(browser, driver) paths, or skip the test saying how to install them."""
    browser = next((p for name in CHROMIUM if (p := shutil.which(name))), None)
    driver = CHROMEDRIVER if Path(CHROMEDRIVER).exists() else shutil.which("chromedriver")
    if not browser or not driver:
        pytest.skip("chromium not installed: apt-get install chromium chromium-driver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.skip("selenium not installed: pip install selenium")
    return browser, driver


def start_chromium(profile: Path):
    """A headless Chromium driven through the system chromedriver (skips without them);
    ``profile`` is its user-data folder."""
    browser_path, driver_path = chromium_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    return webdriver.Chrome(service=Service(driver_path), options=options)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A headless Chromium driven through the system chromedriver."""
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def app_url(served):
    """The app on the small workspace of tests/ui/conftest.py (one for this module)."""
    return served[0]


def wait_for(check: Callable[[], object], what: str, timeout: float = WAIT):
    """Poll ``check`` until it returns something truthy; fail saying ``what`` never happened."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception as exc:  # element not there yet, stale, ...
            last = exc
            value = None
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what} ({last!r})")


def text_of(driver, css: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css).text


def open_tab(driver, title: str) -> None:
    from selenium.webdriver.common.by import By

    tab = wait_for(lambda: next(b for b in driver.find_elements(By.CSS_SELECTOR,
                                                                  "button[role=tab]")
                                if b.text.strip() == title), f"the {title} tab")
    tab.click()
    wait_for(lambda: tab.get_attribute("aria-selected") == "true", f"{title} selected")


def choose(driver, elem_id: str, label_start: str, contains: bool = False) -> None:
    """Pick the option of a ``gr.Dropdown`` whose label starts with ``label_start`` (with
    ``contains``: holds it, ignoring case)."""
    from selenium.webdriver.common.by import By

    def fits(label: str) -> bool:
        return label_start.lower() in label.lower() if contains else label.startswith(label_start)

    box = wait_for(lambda: driver.find_element(By.CSS_SELECTOR, f"#{elem_id} input"),
                   f"dropdown {elem_id}")
    box.click()
    option = wait_for(lambda: next(o for o in driver.find_elements(By.CSS_SELECTOR,
                                                                     f"#{elem_id} ul li")
                                   if fits(o.text.strip()) and "Other mention" not in o.text),
                      f"option {label_start!r} in {elem_id}")
    option.click()


def screenshot(driver, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    return path


def no_alert(driver) -> None:
    """No script from the data ran (an alert() would be open)."""
    from selenium.common.exceptions import NoAlertPresentException

    try:
        alert = driver.switch_to.alert
    except NoAlertPresentException:
        return
    text = alert.text
    alert.dismiss()
    pytest.fail(f"a script from the data ran: alert({text!r})")


def test_views_in_a_real_browser(browser, app_url, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get(app_url)
    wait_for(lambda: "objections in" in text_of(browser, "#cm-objections-summary"),
             "the objections summary")
    wait_for(lambda: "price" in text_of(browser, "#cm-themes"), "the theme table")
    screenshot(browser, tmp_path, "objections")

    # drill down to a recorded quote: the player starts at the quote
    choose(browser, "cm-theme", "price", contains=True)  # labels are key phrases: "Price · high"
    choose(browser, "cm-quote", "stereo-1")
    audio = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "#cm-quote-context audio"),
                     "the audio player")
    start = float(audio.get_attribute("src").split("#t=")[1].split(",")[0])
    position = wait_for(lambda: browser.execute_script(
        "const a = arguments[0]; return a.readyState >= 1 ? a.currentTime + 1e-6 : null;", audio),
        "the recording's metadata")
    assert abs(position - start) < 0.3, (position, start)
    assert "<mark>" in browser.find_element(By.ID, "cm-quote-context").get_attribute("innerHTML")
    no_alert(browser)

    # ask: the answer shows, with a coverage badge and a draft to copy
    open_tab(browser, "Ask")
    question = browser.find_element(By.CSS_SELECTOR, "#cm-ask-question textarea")
    question.send_keys("How long does implementation take? We can't run a six month project.")
    browser.find_element(By.ID, "cm-ask-find").click()
    wait_for(lambda: "overed" in text_of(browser, "#cm-ask-badge"), "the coverage badge")
    wait_for(lambda: "Live in 30 days" in text_of(browser, "#cm-ask-recs"),
             "the recommended asset")
    wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "#cm-ask-draft textarea")
             .get_attribute("value").strip(), "the follow-up draft")
    screenshot(browser, tmp_path, "ask")

    for title, name, ready in (
        ("Gaps", "gaps", "#cm-gaps"),
        ("Messages", "messages", "#cm-lift-chart svg"),
        ("Consistency", "consistency", "#cm-consistency-score"),
    ):
        open_tab(browser, title)
        wait_for(lambda r=ready: browser.find_element(By.CSS_SELECTOR, r).text.strip()
                 or browser.find_elements(By.CSS_SELECTOR, r), f"the {title} view")
        screenshot(browser, tmp_path, name)

    # a transcript with HTML in it is shown as text, and nothing runs
    open_tab(browser, "Calls and library")
    choose(browser, "cm-call", "xss-1")
    shown = wait_for(lambda: text_of(browser, "#cm-transcript")
                     if "Eve Hacker" in text_of(browser, "#cm-transcript") else None,
                     "the transcript")
    assert "<script>alert(1)</script>" in shown and "<img src=x onerror=alert(1)>" in shown
    html = browser.find_element(By.ID, "cm-transcript").get_attribute("innerHTML")
    assert "<script" not in html and "<img" not in html
    # so is a document title with HTML in it, in a table
    assert "Payback in six months <script>alert(1)</script><img src=x onerror=alert(1)>" in \
        text_of(browser, "#cm-assets")
    no_alert(browser)
    screenshot(browser, tmp_path, "library")

    # a call ingested while the page is open shows in Objections as soon as the tab is opened
    # (no reload)
    from gradio_client import Client, handle_file

    def summary_text() -> str:  # also while its tab is hidden
        return browser.find_element(By.CSS_SELECTOR, "#cm-objections-summary").get_attribute(
            "textContent").strip()

    before = summary_text()
    late = tmp_path / "late-1.txt"
    late.write_text("[00:00:01] Dana Reyes: Thanks for joining.\n"
                    "[00:00:06] Ravi Nair: Honestly the price is far too high for us.\n")
    summary, *_ = Client(app_url, verbose=False).predict([handle_file(str(late))], None,
                                                         api_name="/ingest_calls")
    assert summary == "Calls: 1 stored"
    open_tab(browser, "Objections")
    calls_before = int(before.split(" of ")[1].split()[0])
    wait_for(lambda: f" of {calls_before + 1} calls" in summary_text(),
             f"the Objections view to count the new call (was: {before!r})")


def test_clicking_rows_drills_into_a_theme_and_opens_a_quote_in_its_call(browser, app_url):
    """No second dropdown needed: a theme's row shows its quotes, a quote's row opens the
    Call tab on that call."""
    from selenium.webdriver.common.by import By

    def cell(table: str, holds: str):
        return wait_for(lambda: next(td for td in browser.find_elements(
            By.CSS_SELECTOR, f"#{table} [role=gridcell]") if holds in td.text.lower()),
            f"a {holds!r} cell in {table}")

    browser.get(app_url)
    wait_for(lambda: "price" in text_of(browser, "#cm-themes"), "the theme table")
    cell("cm-themes", "price").click()
    wait_for(lambda: "price" in browser.find_element(
        By.CSS_SELECTOR, "#cm-theme input").get_attribute("value").lower(),
        "the clicked theme chosen in the drill-down")
    cell("cm-quotes", "stereo-1").click()
    wait_for(lambda: any(b.text.strip() == "Call" and b.get_attribute("aria-selected") == "true"
                         for b in browser.find_elements(By.CSS_SELECTOR, "button[role=tab]")),
             "the Call tab selected")
    wait_for(lambda: "stereo-1" in text_of(browser, "#cm-callpage"), "the quote's call shown")
    no_alert(browser)
