"""Headless Chromium for tests that look at pages as a user does (Debian's `chromium`,
installed by scripts/system-deps.sh when missing): the `chromium` fixture (tests/conftest.py)
finds or installs it and skips, saying why, when it cannot; `dump_dom` loads a page, lets its
scripts run, saves a screenshot and returns the DOM."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from html import unescape
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "test-output"
CHROMIUM_TIMEOUT = 90
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
"""Every host name fails to resolve (loopback addresses still answer): the page gets no internet."""


def find_or_install_chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    try:
        result = subprocess.run(["bash", str(REPO / "scripts" / "system-deps.sh")], capture_output=True, text=True,
                                timeout=900)
    except subprocess.TimeoutExpired:
        pytest.skip("scripts/system-deps.sh did not finish installing chromium within 15 minutes")
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if result.returncode != 0 or not found:
        pytest.skip(f"chromium is not available and could not be installed: {(result.stderr or result.stdout).strip()[-400:]}")
    return found


def dump_dom(chromium: str, url: str, screenshot: Path, profile: Path, offline: bool = False) -> str:
    """Load ``url`` headless, let its scripts run, save a screenshot, return the DOM."""
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
               *([OFFLINE] if offline else []),
               f"--user-data-dir={profile}", "--virtual-time-budget=15000", "--window-size=1400,1000",
               f"--screenshot={screenshot}", "--dump-dom", url]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            start_new_session=True)
    try:
        dom, _ = proc.communicate(timeout=CHROMIUM_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"chromium did not finish rendering {url} within {CHROMIUM_TIMEOUT} s")
    assert proc.returncode == 0, f"chromium exited with {proc.returncode} on {url}"
    return dom


def page_text(dom: str) -> str:
    """The visible text of a DOM: scripts, styles and tags removed, one line per text node."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S)
    text = unescape(re.sub(r"<[^>]+>", "\n", text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
