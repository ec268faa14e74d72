"""Slider move to new pixels, as one student sees it in headless Chromium.

For every lecture page the app is started exactly as the README says, the
page is opened with its default image, and the page's main slider is moved
one step at a time (arrow keys on the slider) to values not shown before,
so every move is a real recomputation, not a cache hit. A move is timed from
just before the key press until the first picture with new pixels has loaded
in the browser (if a move changes no picture, until the page has settled), and
until the page has settled: the run finished and every picture loaded, charts
and formulas drawn along the way. Prints the p50 and max of ``--repeat``
moves per page; the budget is 300 ms at the p50 of new pixels::

    python -m benchmarks.browser_latency
    python -m benchmarks.browser_latency clustering --repeat 10
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import urllib.parse
from dataclasses import dataclass

from tests.browser import VIEWPORT, chromium, open_page, serve_app
from ui import catalog

__all__ = ["MAIN_SLIDERS", "measure_page", "main"]

BUDGET_MS = 300.0


@dataclass(frozen=True)
class MainSlider:
    """The slider a student moves most on a page, and the link that shows it."""

    label: str
    query: str = ""


MAIN_SLIDERS = {
    "thresholding": MainSlider("Threshold t", "method=manual"),
    "region-growing": MainSlider("T (intensity tolerance)"),
    "split-merge": MainSlider("v (max variance)"),
    "watershed": MainSlider("t_high (object markers: I ≥ t_high)"),
    "clustering": MainSlider("Clusters k"),
    "graph-cuts": MainSlider("lambda (boundary weight)"),
    "fcn-upsampling": MainSlider("Scene seed"),  # a new image through the FCN variants
    "atrous-convolution": MainSlider("Dilation rate r"),
    "mask-rcnn": MainSlider("Score threshold"),
    "panoptic-quality": MainSlider("Erode (-) / dilate (+) things, px"),
}

# Resolves with two times from arming: ``first``, when a picture with new pixels
# has loaded (what the student sees change first), and ``settled``, when the run
# has finished and every picture has loaded. A move that changes no picture has
# no ``first``. Polls every 4 ms.
_ARM = """() => {
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const app = document.querySelector('[data-testid="stApp"]');
  const pictures = () => Array.from(main.querySelectorAll('img'));
  const before = new Set(pictures().map(i => i.currentSrc || i.src));
  const t0 = performance.now();
  let ran = false, first = null;
  window.__seglabMove = new Promise((resolve) => {
    const tick = () => {
      const ms = performance.now() - t0;
      const state = app.getAttribute('data-test-script-state');
      if (state === 'running') ran = true;
      const imgs = pictures();
      const fresh = imgs.filter(i => !before.has(i.currentSrc || i.src));
      if (first === null && fresh.some(i => i.complete && i.naturalWidth > 0)) first = ms;
      const loaded = imgs.every(i => i.complete && i.naturalWidth > 0);
      if (loaded && ran && state === 'notRunning') return resolve({first, settled: ms});
      if (ms > 30000) return resolve({first, settled: ms, timeout: true});
      setTimeout(tick, 4);
    };
    tick();
  });
}"""


def measure_page(browser, url: str, url_path: str, repeat: int) -> dict:
    """Move the page's main slider ``repeat`` times to unseen values; return the timings (ms)."""
    spec = MAIN_SLIDERS[url_path]
    page = browser.new_page(viewport=VIEWPORT)
    try:
        open_page(page, f"{url}/{url_path}" + (f"?{spec.query}" if spec.query else ""))
        thumb = page.locator(f'input[type="range"][aria-label="{spec.label}"]').first
        seen = {thumb.input_value()}
        high = thumb.get_attribute("max")
        key = "ArrowRight"
        times, settled, changed, presses = [], [], 0, 0
        while len(times) < repeat:
            presses += 1
            if presses > 4 * repeat + 10:
                raise RuntimeError(f"/{url_path}: {spec.label!r} has too few values to measure")
            value = thumb.input_value()
            if key == "ArrowRight" and float(value) >= float(high):
                key = "Home"  # jump to the lowest value, then walk up through unseen ones
            page.evaluate(_ARM)
            thumb.press(key)
            result = page.evaluate("() => window.__seglabMove")
            if result.get("timeout"):
                raise TimeoutError(f"/{url_path}: no rerun after moving {spec.label!r}")
            value = thumb.input_value()
            if key == "Home":
                key = "ArrowRight"
            if value in seen:
                continue  # a value shown before may come from a cache: not counted
            seen.add(value)
            settled.append(result["settled"])
            times.append(result["first"] if result["first"] is not None else result["settled"])
            changed += result["first"] is not None
        return {"times": times, "settled": settled, "changed": changed}
    finally:
        page.close()


def main(argv: list[str] | None = None) -> int:
    """Command line: measure the pages, print the table; exit 1 if a p50 is over budget."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("filter", nargs="?", default="", help="substring of the URL paths")
    parser.add_argument("--repeat", type=int, default=10, help="slider moves per page")
    parser.add_argument("--url", help="measure this running app (loopback) instead of starting one")
    args = parser.parse_args(argv)
    pages = [p for p in catalog.PAGES if args.filter in p.url_path]
    rows = ["| page | slider | moves | moves with new pixels | new pixels p50 (ms) | max (ms) | "
            "settled p50 (ms) | budget |", "|---|---|---:|---:|---:|---:|---:|---|"]
    over = False
    if args.url and urllib.parse.urlsplit(args.url).hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"refusing to measure {args.url}: only loopback servers are measured")
    server = contextlib.nullcontext(args.url.rstrip("/")) if args.url else serve_app()
    with server as url, chromium() as browser:
        for page in pages:
            result = measure_page(browser, url, page.url_path, args.repeat)
            p50 = statistics.median(result["times"])
            settled = statistics.median(result["settled"])
            over |= p50 > BUDGET_MS
            rows.append(f"| /{page.url_path} | {MAIN_SLIDERS[page.url_path].label} | "
                        f"{len(result['times'])} | {result['changed']} | {p50:.0f} | "
                        f"{max(result['times']):.0f} | {settled:.0f} | "
                        f"{'ok' if p50 <= BUDGET_MS else 'OVER'} (300) |")
            print(rows[-1], file=sys.stderr, flush=True)
    print("\n".join(rows))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
