"""Run the benchmarks: python -m bench [NAME ...] [--quick].

ALL is `make bench`'s default list; other modules run by name (`screen-curve` is
bench/screen_curve.py: a dash in a name stands for an underscore)."""

from __future__ import annotations

import argparse
import importlib
import sys

ALL = [
    "ingest",
    "generate",
    "certificates",
    "screen",
    "workflow",
    "risk",
    "postgres",
    "recheck",
    "publish",
    "workbench",
]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {' '.join(ALL)})")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    missed = 0
    for name in args.names or ALL:
        path = f"bench.{name.replace('-', '_')}"
        try:
            module = importlib.import_module(path)
        except ModuleNotFoundError as exc:
            if exc.name != path:
                raise
            print(f"== {name}: not available yet")
            continue
        print(f"== {name}", flush=True)
        for fig in module.run(quick=args.quick):
            print("  " + fig.line(), flush=True)
            missed += fig.ok is False
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
