"""`make bench`: run every benchmarks/bench_*.py module and print one table of targets and figures.

Each module exposes ``run(scale: float = 1.0) -> list[dict]`` returning rows
``{"name", "measured_s", "target_s", "reference_s" (optional), "note" (optional)}``; ``measured_s`` is
the median of repeated runs. Benchmarks that need the database run on a separate database
(``<name>_bench``) so that they never touch the portal's own data. Results are also written as JSON
to benchmarks/results/<commit>.json for comparison between commits.
"""

import argparse
import importlib
import json
import os
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
        )
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def format_table(rows: list[dict]) -> str:
    """The table `make bench` prints: name, measured, target, verdict and the ratio to a reference."""
    header = f"{'benchmark':<72} {'measured':>10} {'target':>10} {'ok':>4} {'ratio':>7}"
    lines = [header, "-" * len(header)]
    for row in rows:
        target = row.get("target_s")
        measured = row["measured_s"]
        ok = "" if target is None else ("yes" if measured <= target else "NO")
        reference = row.get("reference_s")
        ratio = f"{measured / reference:.2f}" if reference else ""
        target_text = "" if target is None else f"{target:.3f}s"
        lines.append(f"{row['name'][:72]:<72} {measured:>9.3f}s {target_text:>10} {ok:>4} {ratio:>7}")
        if row.get("note"):
            lines.append(f"    {row['note']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1.0")))
    parser.add_argument("--only", default="", help="run only modules whose name contains this")
    parser.add_argument("--json", default="", help="where to write the results (default benchmarks/results/)")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kunshan_portal.settings")
    os.environ["KUNSHAN_BENCH"] = "1"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)

    rows: list[dict] = []
    for info in sorted(pkgutil.iter_modules([str(HERE)]), key=lambda m: m.name):
        if not info.name.startswith("bench_") or args.only not in info.name:
            continue
        module = importlib.import_module(f"benchmarks.{info.name}")
        started = time.perf_counter()
        module_rows = module.run(scale=args.scale)
        print(
            f"{info.name}: {len(module_rows)} figure(s) in {time.perf_counter() - started:.1f}s",
            file=sys.stderr,
        )
        rows.extend(module_rows)

    print(format_table(rows))
    out = Path(args.json) if args.json else HERE / "results" / f"{_commit()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"commit": _commit(), "scale": args.scale, "rows": rows}, indent=2))
    print(f"\nresults written to {out.relative_to(HERE.parent) if out.is_relative_to(HERE.parent) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
