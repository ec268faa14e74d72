"""A class of simulated students on a running SegLab, driven by Locust.

Each Locust user is one browser tab: it loads a page (receiving the sticky
cookie of a proxy, if there is one), opens Streamlit's websocket, runs the
page, then every ``--think`` seconds moves a random slider the page shows to
a random other value and waits until the rerun has finished and its images
have been fetched. Only loopback URLs are accepted, and the run is bounded
in time. Run it headless::

    python -m benchmarks.loadtest http://127.0.0.1:8501 --users 20 --pages thresholding
    python -m benchmarks.loadtest http://127.0.0.1:8080 --users 30 --pages all --think 3

It prints, per kind of request (``open`` = first run of the page, ``rerun`` =
slider move until the script finished and its images arrived), the count,
errors and the exact p50/p95/p99/max, then for every Streamlit process on this
machine its CPU use during the load (in cores) and its resident memory before
the students came, at the peak, at
the end of the load with its growth over the last 5 minutes (the last half of
a shorter run), and after they left (``--settle`` seconds later).
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import gevent  # noqa: E402
import numpy as np  # noqa: E402
import psutil  # noqa: E402
from locust import User, constant, events, task  # noqa: E402
from locust.env import Environment  # noqa: E402

from benchmarks.streamlit_client import StreamlitClient  # noqa: E402
from ui import catalog  # noqa: E402

__all__ = ["Student", "run_load", "main"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class Plan:
    """What the simulated class does (set before Locust spawns the users)."""

    url: str = "http://127.0.0.1:8501"
    pages: tuple[str, ...] = ("thresholding",)
    think: float = 2.0
    seed: int = 0
    fetch_media: bool = True
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    counter: itertools.count = field(default_factory=itertools.count)


PLAN = Plan()


class Student(User):
    """One student's browser tab on one page, moving a slider every ``think`` seconds."""

    wait_time = constant(0)  # replaced by the plan's think time in run_load

    def on_start(self) -> None:
        number = next(PLAN.counter)
        self.rng = random.Random(PLAN.seed * 100_003 + number)
        self.page = PLAN.pages[number % len(PLAN.pages)]
        self.client = StreamlitClient(PLAN.url, self.page, fetch_media=PLAN.fetch_media)
        self._timed("open", self.client.connect)

    def on_stop(self) -> None:
        self.client.close()

    @task
    def move_a_slider(self) -> None:
        if self.client.ws is None:  # the page never opened: try again
            self._timed("open", self.client.connect)
            return
        self._timed("rerun", lambda: self.client.move_random_slider(self.rng))

    def _timed(self, kind: str, call) -> None:
        start = time.perf_counter()
        exception = None
        try:
            call()
        except Exception as err:  # noqa: BLE001 - every failure is counted and reported
            exception = err
            message = f"{kind} /{self.page}: {type(err).__name__}: {str(err)[:80]}"
            PLAN.errors[message] = PLAN.errors.get(message, 0) + 1
            self.client.close()
            self.client = StreamlitClient(PLAN.url, self.page, fetch_media=PLAN.fetch_media)
        ms = (time.perf_counter() - start) * 1000
        if exception is None:
            PLAN.samples.setdefault(kind, []).append(ms)
            PLAN.samples.setdefault(f"{kind} /{self.page}", []).append(ms)
        events.request.fire(request_type=kind, name=f"/{self.page}", response_time=ms,
                            response_length=0, exception=exception, context={})


def streamlit_processes() -> list[psutil.Process]:
    """Every ``streamlit run`` process on this machine (the replicas)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if "streamlit" in cmd and " run " in f" {cmd} " and "loadtest" not in cmd:
            found.append(proc)
    return found


def _cpu_seconds(procs: list[psutil.Process]) -> dict[int, float]:
    out = {}
    for proc in procs:
        try:
            times = proc.cpu_times()
            out[proc.pid] = times.user + times.system
        except psutil.Error:
            out[proc.pid] = float("nan")
    return out


def _rss_mb(procs: list[psutil.Process]) -> dict[int, float]:
    out = {}
    for proc in procs:
        try:
            out[proc.pid] = proc.memory_info().rss / 2**20
        except psutil.Error:
            out[proc.pid] = float("nan")
    return out


def run_load(url: str, users: int, pages: tuple[str, ...], *, think: float = 2.0,
             duration: float = 60.0, spawn_rate: float = 5.0, settle: float = 10.0,
             seed: int = 0, fetch_media: bool = True) -> dict:
    """Run the simulated class and return its measurements.

    Parameters
    ----------
    url : str
        Base URL of the app or proxy; loopback only.
    users : int
        Number of students (browser tabs).
    pages : tuple of str
        URL paths; student i opens ``pages[i % len(pages)]``.
    think, duration, spawn_rate, settle : float
        Seconds between a finished rerun and the next slider move; length of
        the run (spawning included); students started per second; wait after
        the students left before the "after" memory reading.
    seed : int
        Seeds each student's choice of slider and value.
    fetch_media : bool
        Fetch the images of every run, as a browser does.

    Returns
    -------
    dict
        ``{"stats": {kind: {"n", "errors", "p50", "p95", "p99", "max"}} (ms),
        "rerun_by_page": {page: {"n", "p50", "p95"}} (ms),
        "errors": {message: count}, "rss": {pid: {"before", "peak", "after"}} (MB)}``
    """
    host = urllib.parse.urlsplit(url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"refusing to load {url}: only loopback servers are tested")
    global PLAN
    PLAN = Plan(url=url, pages=tuple(pages), think=think, seed=seed, fetch_media=fetch_media)
    Student.wait_time = constant(think)
    procs = streamlit_processes()
    cpu_before = _cpu_seconds(procs)
    before = _rss_mb(procs)
    peak = dict(before)
    timeline: list[tuple[float, dict[int, float]]] = []
    start = time.monotonic()

    def watch_memory() -> None:
        while True:
            now = _rss_mb(procs)
            timeline.append((time.monotonic() - start, now))
            for pid, mb in now.items():
                peak[pid] = max(peak.get(pid, 0.0), mb)
            gevent.sleep(0.5)

    env = Environment(user_classes=[Student], events=events)
    runner = env.create_local_runner()
    watcher = gevent.spawn(watch_memory)
    runner.start(users, spawn_rate=spawn_rate)
    gevent.spawn_later(duration, runner.quit)
    runner.greenlet.join()
    end = _rss_mb(procs)
    load_seconds = time.monotonic() - start
    cpu = {pid: seconds - cpu_before[pid] for pid, seconds in _cpu_seconds(procs).items()}
    gevent.sleep(settle)
    watcher.kill()
    after = _rss_mb(procs)
    # growth over the last 5 minutes of load (the last half of a shorter run)
    window = min(300.0, load_seconds / 2)
    earlier = next((rss for t, rss in timeline if t >= load_seconds - window), end)

    stats = {}
    for kind in ("open", "rerun"):
        times = np.array(PLAN.samples.get(kind, []), dtype=float)
        failed = sum(n for msg, n in PLAN.errors.items() if msg.startswith(kind + " "))
        pct = (np.percentile(times, [50, 95, 99]) if times.size else [float("nan")] * 3)
        stats[kind] = {"n": int(times.size) + failed, "errors": failed,
                       "p50": float(pct[0]), "p95": float(pct[1]), "p99": float(pct[2]),
                       "max": float(times.max()) if times.size else float("nan")}
    by_page = {}
    for page in pages:
        times = np.array(PLAN.samples.get(f"rerun /{page}", []), dtype=float)
        if times.size:
            by_page[page] = {"n": int(times.size), "p50": float(np.percentile(times, 50)),
                             "p95": float(np.percentile(times, 95))}
    return {"stats": stats, "rerun_by_page": by_page, "errors": dict(PLAN.errors),
            "rss": {pid: {"before": before[pid], "peak": peak[pid], "end": end[pid],
                          "after": after[pid],
                          "growth_window_s": window,
                          "cpu_share": cpu[pid] / load_seconds,
                          "growth": (end[pid] - earlier[pid]) / earlier[pid]}
                    for pid in before},
            "rss_timeline": [(round(t, 1), rss) for t, rss in timeline]}


def format_report(result: dict, label: str) -> str:
    """The measurements as Markdown tables."""
    lines = [f"### {label}", "",
             "| request | n | errors | p50 (s) | p95 (s) | p99 (s) | max (s) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for kind, s in result["stats"].items():
        lines.append(f"| {kind} | {s['n']} | {s['errors']} | {s['p50'] / 1000:.2f} | "
                     f"{s['p95'] / 1000:.2f} | {s['p99'] / 1000:.2f} | {s['max'] / 1000:.2f} |")
    if len(result["rerun_by_page"]) > 1:
        lines += ["", "| page | reruns | p50 (s) | p95 (s) |", "|---|---:|---:|---:|"]
        lines += [f"| /{page} | {r['n']} | {r['p50'] / 1000:.2f} | {r['p95'] / 1000:.2f} |"
                  for page, r in result["rerun_by_page"].items()]
    lines += ["", "| process | CPU (cores) | RSS before (MB) | peak (MB) | end of load (MB) | "
              "growth over the last part | after (MB) |", "|---|---:|---:|---:|---:|---:|---:|"]
    for pid, r in result["rss"].items():
        lines.append(f"| {pid} | {r['cpu_share']:.2f} | {r['before']:.0f} | {r['peak']:.0f} | "
                     f"{r['end']:.0f} | {100 * r['growth']:+.1f}% in {r['growth_window_s']:.0f} s"
                     f" | {r['after']:.0f} |")
    if result["errors"]:
        lines += ["", "Errors:"] + [f"- {n} x {msg}" for msg, n in result["errors"].items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: run the class, print the tables; exit 1 on any error."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="base URL of the app or its proxy (loopback only)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--pages", default="thresholding",
                        help="comma-separated URL paths, or 'all' for every lecture page")
    parser.add_argument("--think", type=float, default=2.0, help="seconds between slider moves")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--spawn-rate", type=float, default=5.0, help="students started per second")
    parser.add_argument("--settle", type=float, default=10.0,
                        help="seconds after the load before the 'after' memory reading")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-media", action="store_true", help="do not fetch the images")
    parser.add_argument("--json", help="also write the measurements to this JSON file")
    args = parser.parse_args(argv)
    pages = (tuple(p.url_path for p in catalog.PAGES) if args.pages == "all"
             else tuple(p.strip().strip("/") for p in args.pages.split(",")))
    result = run_load(args.url, args.users, pages, think=args.think, duration=args.duration,
                      spawn_rate=args.spawn_rate, settle=args.settle, seed=args.seed,
                      fetch_media=not args.no_media)
    label = (f"{args.users} students, {'all lecture pages' if args.pages == 'all' else args.pages}, "
             f"{args.think:g} s think, {args.duration:g} s")
    print(format_report(result, label))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"label": label, **result}, fh, indent=1, default=str)
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
