"""Start-up time of the `metrology-svc` commands beside `python -c pass` (the floor).

`python -m bench.cli [--quick]` runs each command in a fresh process several times against a
migrated SQLite file with a few accounts, and prints the median and the best wall time of each
beside the bare interpreter measured in the same run. Target: `--help` and `users list` start in
well under a second (≤ 0.5 s median here). Ends with one line of JSON.
"""

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 0.5
TARGETED = ("--help", "users list")
CLI = [sys.executable, "-m", "metrology_svc"]
COMMANDS: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "--help": [*CLI, "--help"],
    "users --help": [*CLI, "users", "--help"],
    "users list": [*CLI, "users", "list"],
    "keys list": [*CLI, "keys", "list"],
    "db current": [*CLI, "db", "current"],
    "serve --help": [*CLI, "serve", "--help"],
    "import --help": [*CLI, "import", "instruments", "--help"],
}
print = functools.partial(print, flush=True)


def _time(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def _prepare(env: dict[str, str]) -> None:
    subprocess.run([*CLI, "db", "upgrade"], env=env, check=True, capture_output=True)
    for n in range(5):
        account = ["--email", f"u{n}@tdc.example", "--name", f"User {n}", "--role", "viewer"]
        subprocess.run(
            [*CLI, "users", "create", *account], env=env, check=True, capture_output=True
        )


def main() -> None:
    """Measure each command's start-up and print the figures and one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs per command")
    args = parser.parse_args()
    runs = 3 if args.quick else 10
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "METROLOGY_DATA_DIR": tmp, "METROLOGY_STAMP_KEY_DIR": str(Path(tmp))}
        env.pop("METROLOGY_DATABASE_URL", None)
        _prepare(env)
        figures: dict[str, dict[str, float]] = {}
        for name, argv in COMMANDS.items():
            _time(argv, env)  # warm the file cache and the bytecode
            times = [_time(argv, env) for _ in range(runs)]
            figures[name] = {
                "median_s": round(statistics.median(times), 3),
                "best_s": round(min(times), 3),
            }
            print(f"{name:<16} median {figures[name]['median_s']:.3f} s  best {min(times):.3f} s")
    baseline = figures.pop("python -c pass")
    met = {name: figures[name]["median_s"] <= TARGET_S for name in TARGETED}
    print(
        json.dumps(
            {
                "bench": "cli",
                "quick": args.quick,
                "runs": runs,
                "figures": figures,
                "baseline": {"python -c pass": baseline},
                "targets": {name: {"median_s": TARGET_S} for name in TARGETED},
                "met": met,
            }
        )
    )


if __name__ == "__main__":
    main()
