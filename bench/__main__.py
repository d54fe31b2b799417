"""``python -m bench [--only NAME] [--quick] [--profile]``: run the suites, write bench/out/<suite>.json."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from pathlib import Path

from bench import SUITES

OUT = Path(__file__).resolve().parent / "out"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", action="append", choices=SUITES, help="run this suite only (repeatable)")
    parser.add_argument("--quick", action="store_true", help="shorter runs and less data: a smoke test")
    parser.add_argument("--profile", action="store_true", help="also profile with pyinstrument where a suite can")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    OUT.mkdir(exist_ok=True)
    for name in args.only or SUITES:
        print(f"\n=== {name}{' (quick)' if args.quick else ''} ===", flush=True)
        started, load_before = time.monotonic(), os.getloadavg()
        suite = importlib.import_module(f"bench.{name}")
        result = suite.run(args)
        result["suite"] = name
        result["quick"] = args.quick
        result["seconds"] = round(time.monotonic() - started, 1)
        # the figures depend on what else the machine runs: keep that next to them
        result["cpus"] = os.cpu_count()
        load = {"before": round(load_before[0], 2), "after": round(os.getloadavg()[0], 2)}
        result["load_average"] = load
        print(f"machine: {os.cpu_count()} CPUs, load average {load['before']} before, {load['after']} after")
        (OUT / f"{name}.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(f"({result['seconds']} s; written to {OUT / (name + '.json')})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
