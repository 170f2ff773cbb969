"""Run the benchmarks: python -m bench [NAME ...] [--quick]."""

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
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.{name}":
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
