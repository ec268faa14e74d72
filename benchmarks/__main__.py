"""``python -m benchmarks [filter]``: run the registered cases and print the table."""

import argparse
import os
import platform

from benchmarks.harness import discover, format_table, run


def main() -> None:
    parser = argparse.ArgumentParser(description="SegLab speed benchmarks")
    parser.add_argument("filter", nargs="?", default="", help="substring of module or case name")
    args = parser.parse_args()
    cases = discover(args.filter)
    if not cases:
        raise SystemExit(f"no benchmark case matches {args.filter!r}")
    print(f"# SegLab benchmarks on {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(format_table(run(cases)))


if __name__ == "__main__":
    main()
