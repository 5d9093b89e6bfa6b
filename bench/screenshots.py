"""Screenshots of the main views on the demo workspace, for the README and docs.

Starts the app in-process on a free loopback port, drives a headless Chromium (Debian's
``chromium`` + ``chromium-driver`` through selenium; selenium-manager never downloads anything)
through each view in a state worth showing, and writes ``objections.png``, ``ask.png``,
``gaps.png``, ``messages.png``, ``consistency.png`` and ``library.png``.

Usage:
    .venv/bin/callmine --workspace /tmp/demo-ws demo --build-only
    .venv/bin/python bench/screenshots.py [--workspace /tmp/demo-ws] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.settings import Settings, offline_environment  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
WIDTH = 1400
MAX_HEIGHT = 2400
AUDIO_QUOTE = "c13-basalt-creek"
"""A recorded call: its quote shows with the audio player."""
TRANSCRIPT = "05_meridian_foods"
QUESTION = "We can't take on a long implementation project. How long does it take to go live?"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-dev-shm-usage", "--mute-audio", "--hide-scrollbars",
         "--force-device-scale-factor=1")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chrome(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not browser or not Path(driver).exists():
        raise SystemExit("chromium not installed: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={WIDTH},1000")
    options.add_argument(f"--user-data-dir={profile}")
    return webdriver.Chrome(service=Service(driver), options=options)


def wait_for(check: Callable[[], object], what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception:
            value = None
        if value:
            return value
        time.sleep(0.25)
    raise TimeoutError(f"timed out waiting for {what}")


def css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def open_tab(driver, title: str) -> None:
    from selenium.webdriver.common.by import By

    tab = wait_for(lambda: next(b for b in driver.find_elements(By.CSS_SELECTOR,
                                                                  "button[role=tab]")
                                if b.text.strip() == title), f"tab {title}")
    tab.click()
    driver.execute_script("window.scrollTo(0, 0)")


def choose(driver, elem_id: str, index: int = 0, starts: str | None = None) -> str:
    """Pick an option of a dropdown (by label start, or the ``index``-th); returns its label."""
    from selenium.webdriver.common.by import By

    css(driver, f"#{elem_id} input").click()
    options = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, f"#{elem_id} ul li"),
                       f"options of {elem_id}")
    option = next((o for o in options if starts and o.text.strip().startswith(starts)),
                  options[min(index, len(options) - 1)])
    label = option.text.strip()
    option.click()
    return label


def shoot(driver, path: Path, settle: float = 1.0) -> None:
    """A full-page screenshot (up to MAX_HEIGHT pixels tall)."""
    time.sleep(settle)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTH, min(MAX_HEIGHT, height + 20))
    driver.execute_script("window.scrollTo(0, 0)")
    time.sleep(0.6)
    driver.save_screenshot(str(path))
    driver.set_window_size(WIDTH, 1000)
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")


def hide_footer(driver) -> None:
    driver.execute_script("document.querySelectorAll('footer').forEach(f => f.remove())")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=Path("/tmp/demo-ws"))
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args(argv)

    offline_environment()
    from ingest.store import Workspace
    from ui.app import serve

    settings = Settings(workspace=args.workspace)
    ws = Workspace.from_settings(settings)
    if not ws.stats()["calls"]:
        raise SystemExit(f"{args.workspace} has no calls: build the demo workspace first "
                         "(callmine --workspace DIR demo --build-only).")
    args.out.mkdir(parents=True, exist_ok=True)
    app, url = serve(ws, settings, port=free_port(), block=False)
    driver = chrome(Path(tempfile.mkdtemp(prefix="callmine-chromium-")))
    try:
        driver.get(url)
        wait_for(lambda: "objections in" in css(driver, "#cm-objections-summary").text,
                 "the objections view")
        hide_footer(driver)
        choose(driver, "cm-theme", 0)
        time.sleep(1.0)
        choose(driver, "cm-quote", 0, starts=AUDIO_QUOTE)
        wait_for(lambda: "cm-context" in css(driver, "#cm-quote-context")
                 .get_attribute("innerHTML"), "the quote in context")
        shoot(driver, args.out / "objections.png")

        open_tab(driver, "Ask")
        css(driver, "#cm-ask-question textarea").send_keys(QUESTION)
        css(driver, "#cm-ask-find").click()
        wait_for(lambda: css(driver, "#cm-ask-draft textarea").get_attribute("value").strip(),
                 "the follow-up draft")
        shoot(driver, args.out / "ask.png")

        open_tab(driver, "Gaps")
        wait_for(lambda: "gaps" in css(driver, "#cm-gaps").text, "the gap report")
        shoot(driver, args.out / "gaps.png")

        open_tab(driver, "Messages")
        wait_for(lambda: css(driver, "#cm-lift-chart svg"), "the lift chart")
        choose(driver, "cm-track", 0)
        shoot(driver, args.out / "messages.png", settle=2.0)

        open_tab(driver, "Consistency")
        wait_for(lambda: "/ 100" in css(driver, "#cm-consistency-score").text,
                 "the consistency score", timeout=180)
        shoot(driver, args.out / "consistency.png")

        open_tab(driver, "Calls and library")
        choose(driver, "cm-call", 0, starts=TRANSCRIPT)
        wait_for(lambda: "cm-turn" in css(driver, "#cm-transcript").get_attribute("innerHTML"),
                 "the transcript")
        shoot(driver, args.out / "library.png")
    finally:
        driver.quit()
        app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
