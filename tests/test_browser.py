"""The HTML report in a real browser: headless Chromium renders it without console errors."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from support import EXAMPLES

from pksb_reflect.api import assess
from pksb_reflect.render import render

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--enable-logging=stderr",
    "--v=0",
]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("Chromium not found on PATH (install Debian's 'chromium' package to run this test)")


def _run(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _console_errors(stderr: str) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if "Uncaught" in line or ("CONSOLE" in line and "error" in line.lower())
    ]


def test_html_report_renders_in_chromium(tmp_path: Path) -> None:
    browser = _browser()
    assessment = assess(EXAMPLES / "chartership_strong.md", "chartership")
    page = tmp_path / "report.html"
    page.write_text(render(assessment, "html"), encoding="utf-8")
    url = page.as_uri()

    shot = tmp_path / "report.png"
    result = _run(
        browser, tmp_path / "profile1", f"--screenshot={shot}", "--window-size=1200,1600", url
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.is_file() and shot.read_bytes()[:8] == PNG_MAGIC
    assert shot.stat().st_size > 20_000  # a blank page compresses to a few kilobytes
    assert not _console_errors(result.stderr), _console_errors(result.stderr)

    dom = _run(browser, tmp_path / "profile2", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "The three criteria" in dom.stdout
    assert 'id="statement"' in dom.stdout and "<svg" in dom.stdout
    assert not _console_errors(dom.stderr), _console_errors(dom.stderr)
