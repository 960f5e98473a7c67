#!/usr/bin/env python
"""`make bench [ONLY=name]`: performance figures, each a ratio against a baseline measured in
the same run, plus absolute numbers. Prints a table and writes .bench/results.json.

Figures live in bench/figures/*.py; each module has FIGURES = {"name": function}, and each
function takes a `Bench` and returns a `Figure`. The bench builds its own database
(.bench/zoufang_bench_<figure or all>.sqlite3, or the database of that name next to
DATABASE_URL on PostgreSQL; BENCH_DB overrides the name), so it never touches demo or test
data, and benchmarks of different figures can run side by side.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / ".bench"


def _bench_db_name(only: str | None) -> str:
    """One database per figure (or BENCH_DB), so that two people benchmarking different figures
    on one machine do not drop each other's database mid-run."""
    name = os.environ.get("BENCH_DB") or f"zoufang_bench_{(only or 'all').replace(',', '_')}"
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"BENCH_DB must be letters, digits and underscores, not {name!r}")
    return name


def _bench_database_url(name: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{OUT / (name + '.sqlite3')}"
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _prepare_database(url: str, fresh: bool) -> None:
    if url.startswith("sqlite"):
        db = Path(url.removeprefix("sqlite:///"))
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    admin_url, name = url.rsplit("/", 1)
    with psycopg.connect(admin_url + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        # The name is checked by _bench_db_name: letters, digits and underscores only.
        if exists and fresh:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")
            exists = None
        if not exists:
            conn.execute(f"CREATE DATABASE {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="run one figure by name (or several, comma-separated)")
    parser.add_argument("--keep-db", action="store_true", help="reuse the bench database")
    args = parser.parse_args()

    OUT.mkdir(exist_ok=True)
    url = _bench_database_url(_bench_db_name(args.only))
    _prepare_database(url, fresh=not args.keep_db)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from bench.common import Bench

    figures: dict = {}
    import bench.figures as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"bench.figures.{info.name}")
        figures.update(getattr(module, "FIGURES", {}))
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in figures]
        if unknown:
            print(
                f"unknown figure {unknown[0]!r}; known: {', '.join(sorted(figures))}",
                file=sys.stderr,
            )
            return 2
        figures = {n: figures[n] for n in names}

    results_path = OUT / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    bench = Bench(database=url.split(":", 1)[0])
    failed = False
    for name, fn in figures.items():
        print(f"-- {name} …", flush=True)
        started = time.monotonic()
        try:
            fig = fn(bench)
        except Exception:
            traceback.print_exc()
            failed = True
            continue
        results[name] = fig.as_dict() | {
            "database": bench.database,
            "seconds": round(time.monotonic() - started, 1),
        }
    results_path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print()
    print(f"{'figure':<18} {'ratio':>8} {'value':>12} {'unit':<10} baseline / goal")
    for name in figures:
        if name in results:
            r = results[name]
            print(
                f"{name:<18} {r['ratio']:>8.3g} {r['value']:>12.4g} {r['unit']:<10} {r['baseline']} / goal {r['goal']}"
            )
            for key, value in r.get("extra", {}).items():
                print(f"{'':<18} {'':>8} {value!s:>12} {key}")
    print(f"\nwritten to {results_path.relative_to(ROOT)} ({bench.database})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
