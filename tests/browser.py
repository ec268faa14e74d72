"""Run SegLab in a real browser: a server on a free port and headless Chromium.

Used by the browser tests and to take the screenshots in ``assets/screenshots``::

    python -m tests.browser shot /thresholding assets/screenshots/thresholding.png
    python -m tests.browser shot "/clustering?present=1" out.png --viewport 1280x720 \
        --viewport-only --scroll-to "[data-testid='stImage']"
    python -m tests.browser challenge "/thresholding?challenge=7&exercise=otsu-t" otsu-t 120 \
        assets/screenshots/challenge-thresholding

Chromium is Debian's ``/usr/bin/chromium`` driven by the ``playwright``
package (never ``playwright install``). The server listens on 127.0.0.1 only
and is stopped when the context manager exits.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("SEGLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
VIEWPORT = {"width": 1400, "height": 1000}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve_app(timeout: float = 60.0):
    """Start ``streamlit run app.py`` on a free local port; yield its base URL; stop it.

    Exactly as the README starts the app: no warm-up request, so the first
    page a test opens is the first request the process serves.
    """
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    log = open(os.devnull, "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start on {url}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextlib.contextmanager
def chromium():
    """A headless Chromium (playwright Browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_idle(page, timeout: float = 60.0, settle: int = 4) -> None:
    """Wait until the Streamlit script has finished running.

    Idle means no running indicator and no skeleton for ``settle`` polls in a
    row (0.3 s apart), so a rerun that starts right after a click is not missed.
    """
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < settle:
        if time.monotonic() > deadline:
            raise TimeoutError("the app kept running")
        busy = (page.locator("[data-testid='stStatusWidget']").count()
                + page.locator("[data-testid='stSkeleton']").count())
        quiet = 0 if busy else quiet + 1
        time.sleep(0.3)


def open_page(page, url: str, timeout: float = 90.0) -> None:
    """Navigate to ``url`` and wait for the app to finish its run."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
    wait_idle(page, timeout)


def parse_viewport(text: str) -> dict:
    """``"1280x720"`` -> ``{"width": 1280, "height": 720}``."""
    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit()):
        raise argparse.ArgumentTypeError(f"viewport must look like 1280x720, got {text!r}")
    return {"width": int(width), "height": int(height)}


def shot(path: str, out: str, wait: float = 2.0, full_page: bool = True,
         viewport: dict | None = None, scroll_to: str | None = None) -> Path:
    """Screenshot the page at ``path`` (e.g. ``/thresholding?method=otsu``) into ``out``.

    ``viewport`` sets the window size (default :data:`VIEWPORT`); ``scroll_to``, a
    CSS selector, scrolls its first match to the top of the window before the shot.
    """
    out_path = ROOT / out
    out_path.parent.mkdir(parents=True, exist_ok=True)
    viewport = viewport or VIEWPORT
    with serve_app() as url, chromium() as browser:
        page = browser.new_page(viewport=viewport)
        open_page(page, url + path)
        time.sleep(wait)
        wait_idle(page)
        if scroll_to:
            page.locator(scroll_to).first.evaluate(  # clear of Streamlit's fixed header
                "e => { e.style.scrollMarginTop = '90px'; e.scrollIntoView({block: 'start'}); }")
            time.sleep(0.5)
        if full_page:  # Streamlit scrolls inside its own container: grow the window instead
            height = page.evaluate(
                "Math.max(...Array.from(document.querySelectorAll('[data-testid=stMain], "
                "[data-testid=stAppViewContainer], section')).map(e => e.scrollHeight))")
            page.set_viewport_size({"width": viewport["width"],
                                    "height": min(int(height) + 40, 8000)})
            time.sleep(1.0)
            wait_idle(page)
        page.screenshot(path=str(out_path))
    return out_path


def pick_exercise(page, label: str) -> None:
    """Choose an exercise in the Challenge panel's list by (part of) its label."""
    page.locator(".st-key-challenge_panel [data-testid='stRadio'] label").filter(
        has_text=label).first.click()
    wait_idle(page)


def answer_exercise(page, exercise_id: str, value: str):
    """Type ``value`` in a Challenge exercise's box, press its Check / Commit button and
    wait for the rerun; return the exercise's container (a playwright Locator)."""
    box = page.locator(f".st-key-challenge_{exercise_id}")
    box.scroll_into_view_if_needed()
    field = box.locator("input[type='text']")
    field.fill(str(value))
    field.press("Enter")  # commits the text (a rerun) before the button is pressed
    wait_idle(page)
    box.get_by_role("button", name=re.compile("Commit and reveal|Check")).click()
    wait_idle(page)
    return box


def challenge_shots(path: str, exercise_id: str, value: str, prefix: str) -> list[Path]:
    """Screenshot a page's Challenge panel before and after answering one exercise
    (``<prefix>-before.png``, ``<prefix>-after.png``); ``path`` names the exercise
    (``exercise=<id>``), since the panel draws one at a time."""
    outs = [ROOT / f"{prefix}-before.png", ROOT / f"{prefix}-after.png"]
    outs[0].parent.mkdir(parents=True, exist_ok=True)
    with serve_app() as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1100, "height": 2400})
        open_page(page, url + path)
        panel = page.locator(".st-key-challenge_panel")
        panel.scroll_into_view_if_needed()
        wait_idle(page)
        panel.screenshot(path=str(outs[0]))
        answer_exercise(page, exercise_id, value)
        panel.screenshot(path=str(outs[1]))
    return outs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("shot", help="screenshot one page")
    p.add_argument("path", help="URL path with query, e.g. /thresholding")
    p.add_argument("out", help="PNG file, relative to the repository root")
    p.add_argument("--wait", type=float, default=2.0, help="extra seconds before the shot")
    p.add_argument("--viewport-only", action="store_true", help="only the visible window")
    p.add_argument("--viewport", type=parse_viewport, default=None,
                   help="window size WxH, e.g. 1280x720 (default 1400x1000)")
    p.add_argument("--scroll-to", default=None,
                   help="CSS selector scrolled to the top of the window before the shot")
    c = sub.add_parser("challenge", help="a Challenge panel before and after one answer")
    c.add_argument("path", help="URL path with query, e.g. "
                                "/thresholding?challenge=7&exercise=otsu-t")
    c.add_argument("exercise", help="exercise id, e.g. otsu-t")
    c.add_argument("value", help="the answer to type")
    c.add_argument("prefix", help="output prefix, relative to the repository root")
    args = parser.parse_args(argv)
    if args.cmd == "challenge":
        print(*challenge_shots(args.path, args.exercise, args.value, args.prefix), sep="\n")
        return
    print(shot(args.path, args.out, args.wait, full_page=not args.viewport_only,
               viewport=args.viewport, scroll_to=args.scroll_to))


if __name__ == "__main__":
    main()
