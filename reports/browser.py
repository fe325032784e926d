"""Headless Chromium (Debian's ``chromium``) for printing a page to PDF and taking screenshots,
offline: a fresh profile per call, no network services, no sandbox (we run as root in CI).

``scripts/system-deps.sh`` installs Chromium when it is missing.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--hide-scrollbars")
INSTALL_HINT = "Chromium is not installed: run `bash scripts/system-deps.sh` (Debian's chromium package)"


class BrowserMissing(RuntimeError):
    """No Chromium on PATH."""


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise BrowserMissing(INSTALL_HINT)


def _run(args: list[str], timeout: float) -> None:
    with tempfile.TemporaryDirectory(prefix="abs-etl-chromium-") as profile:
        command = [find_chromium(), *FLAGS, f"--user-data-dir={profile}", *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"chromium failed ({result.returncode}): {result.stderr[-1500:]}")


def print_pdf(html_file: Path, pdf_file: Path, timeout: float = 120) -> Path:
    """Print ``html_file`` to ``pdf_file`` (A4 from the page's @page rule, no header or footer)."""
    pdf_file = Path(pdf_file).resolve()
    pdf_file.unlink(missing_ok=True)
    _run(["--no-pdf-header-footer", "--virtual-time-budget=10000", f"--print-to-pdf={pdf_file}",
          Path(html_file).resolve().as_uri()], timeout)
    if not pdf_file.exists() or pdf_file.stat().st_size == 0:
        raise RuntimeError(f"chromium wrote no PDF at {pdf_file}")
    return pdf_file


def screenshot(html_file: Path, png_file: Path, width: int = 1200, height: int = 1600, timeout: float = 120) -> Path:
    """A screenshot of the top of ``html_file`` as the browser renders it."""
    png_file = Path(png_file).resolve()
    png_file.unlink(missing_ok=True)
    _run([f"--window-size={width},{height}", "--virtual-time-budget=10000", f"--screenshot={png_file}",
          Path(html_file).resolve().as_uri()], timeout)
    if not png_file.exists():
        raise RuntimeError(f"chromium wrote no screenshot at {png_file}")
    return png_file
