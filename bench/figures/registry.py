"""Registry import and export figures.

import_csv / import_xlsx: our import of N household+person rows (default 1,000,000; set
REGISTRY_BENCH_ROWS) into empty tables, rows/s, as a ratio to the baseline: the same rows,
already turned into the three tables' final column values (places, households, persons) and
written as csv before the clock starts, loaded with raw COPY into the same tables with the same
indexes in the same run (PostgreSQL). On SQLite, which has no COPY, the baseline is
executemany INSERT of those same prepared rows in one transaction. Each import runs in a child
process so its peak memory (ru_maxrss) is its own — plus the peak of the reader process a large
xlsx file is read by — measured at N and at N/10.

export_xlsx: our streamed export (zoufang.core.xlsx, XlsxWriter constant_memory) of the
persons list, rows/s, as a ratio to openpyxl's write-only mode writing the same query.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Bench, Figure
from zoufang.registry.demo import SAMPLE_HEADER

ROOT = Path(__file__).resolve().parent.parent.parent
WORK = ROOT / ".bench" / "registry"
# The same columns as the demo's sample files (the household template's labels), and the
# address as one text (现住址): half of the dwellings give only that, so the address parser
# (imports.address) is in the measured path.
HEADER = [*SAMPLE_HEADER, "现住址"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "建国秀英志强丽娟伟军敏静磊洋艳勇杰娜涛明超"
ROADS = ["文峰路", "七一路", "建安大道", "许继大道", "八一路", "魏武大道", "春秋路", "东城大道"]
USE_CODES = {"自住": "owner", "出租": "rented", "借用空房": "borrowed", "空置": "vacant"}
USES = ["自住", "自住", "自住", "出租", "借用空房", "空置"]


def _rows_wanted() -> int:
    return int(os.environ.get("REGISTRY_BENCH_ROWS", "1000000"))


def _beats() -> list[str]:
    """Make (once) a small tree with 20 beats for the bench; returns their codes."""
    from zoufang.org.models import Unit

    city, _ = Unit.objects.get_or_create(
        code="419900", defaults={"name": "基准市局", "level": 1, "path": "419900/"}
    )
    county, _ = Unit.objects.get_or_create(
        code="419901",
        defaults={"name": "基准分局", "level": 2, "parent": city, "path": "419900/419901/"},
    )
    station, _ = Unit.objects.get_or_create(
        code="419901001",
        defaults={
            "name": "基准派出所",
            "level": 3,
            "parent": county,
            "path": "419900/419901/419901001/",
        },
    )
    codes = []
    for i in range(1, 21):
        code = f"419901001{i:03d}"
        Unit.objects.get_or_create(
            code=code,
            defaults={
                "name": f"基准社区{i}",
                "level": 4,
                "parent": station,
                "path": f"{station.path}{code}/",
            },
        )
        codes.append(code)
    return codes


def generate_rows(n: int, beats: list[str]):
    """n person rows, 1 to 4 per dwelling, deterministic."""
    from zoufang.registry.normalize import build_id_number

    base = dt.date(1950, 1, 1)
    i = 0
    house = 0
    while i < n:
        house += 1
        beat = beats[house % len(beats)]
        road = ROADS[house % len(ROADS)]
        number, building, room = (
            str(1 + house // 400),
            str(1 + (house // 20) % 20),
            str(101 + house % 20),
        )
        use = USES[house % len(USES)]
        for k in range(1 + house % 4):
            if i >= n:
                break
            birth = base + dt.timedelta(days=i // 1000)
            male = bool(i % 2)
            id_no = build_id_number("410100", birth, (i % 1000) // 2, male=male)
            name = (
                SURNAMES[i % 20] + GIVEN[(i // 20) % 20] + (GIVEN[(i // 400) % 20] if i % 3 else "")
            )
            phone = f"13{i % 10}{i:08d}"[-11:]
            relation = "户主" if k == 0 else "家庭成员"
            registered = "" if i % 5 else "河南省郑州市金水区花园路1号"
            split = [road, number, building, "1", room]
            full = ""
            if house % 2:
                full = f"{road}{number}号{building}号楼1单元{room}室"
                split = ["", "", "", "", ""]
            yield [
                beat,
                *split,
                use,
                name,
                id_no,
                phone,
                relation,
                registered,
                "2020-05-01",
                full,
            ]
            i += 1


def _write_csv(path: Path, n: int, beats: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(generate_rows(n, beats))


def _write_xlsx(path: Path, n: int, beats: list[str]) -> None:
    from zoufang.core.xlsx import write_xlsx

    with path.open("wb") as fh:
        write_xlsx(fh, HEADER, generate_rows(n, beats))


def _truncate() -> None:
    from django.db import connection

    tables = [
        "registry_change",
        "registry_keyperson",
        "registry_person",
        "registry_household",
        "registry_place",
    ]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            # Persons and households point at each other (householder): check the foreign
            # keys at commit, when both sides are gone.
            from django.db import transaction

            with transaction.atomic():
                cur.execute("PRAGMA defer_foreign_keys = ON")
                for t in tables:
                    cur.execute(f"DELETE FROM {t}")


_CHILD = r"""
import os, resource, sys, time, json
sys.path.insert(0, {root!r})
import django
django.setup()
from zoufang.org.models import Unit
from zoufang.registry.imports import jobs
unit = Unit.objects.get(code="419901001")
t0 = time.perf_counter()
job = jobs.import_job_create(user=None, unit=unit, kind="household", path=__import__("pathlib").Path({path!r}), enqueue=False)
job = jobs.import_job_run(job=job)
took = time.perf_counter() - t0
print(json.dumps({{"seconds": took, "status": job.status, "error": job.error, "accepted": job.accepted,
  "rejected": job.rejected,
  # The import's own peak plus its reader process's (large xlsx files are read by a child).
  "rss_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
             + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024}}))
"""


def _import_in_child(path: Path) -> dict:
    import json

    proc = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _CHILD.format(root=str(ROOT), path=str(path))],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result["status"] != "done":
        raise RuntimeError(result["error"])
    return result


def _prepared_tables(csv_path: Path, folder: Path) -> dict[str, Path]:
    """The baseline's input: the csv's rows as final column values of the three tables."""
    from django.utils import timezone

    from zoufang.org.models import Unit
    from zoufang.registry.crypto import Sealer
    from zoufang.registry.imports.address import parse_address
    from zoufang.registry.models import compose_address
    from zoufang.registry.normalize import address_code, mask_id, mask_phone, parse_id_number

    beats = {u.code: (u.pk, u.path) for u in Unit.objects.filter(level=4)}
    sealer = Sealer()
    now = timezone.now().isoformat()
    files = {name: folder / f"{name}.csv" for name in ("place", "household", "person")}
    places: dict[str, int] = {}
    with (
        csv_path.open(encoding="utf-8") as src,
        files["place"].open("w", newline="") as fp,
        files["household"].open("w", newline="") as fh,
        files["person"].open("w", newline="") as fpe,
    ):
        reader = csv.reader(src)
        next(reader)
        wp, wh, wpe = csv.writer(fp), csv.writer(fh), csv.writer(fpe)
        for pid, row in enumerate(reader, start=1):
            (
                beat,
                road,
                number,
                building,
                entrance,
                room,
                use,
                name,
                id_no,
                phone,
                _rel,
                reg,
                _since,
                full,
            ) = row
            if full:  # what imports.address reads from the generator's full text
                parsed = parse_address(full)
                road, number, building, entrance, room = parsed.parts
            beat_id, path = beats[beat]
            code = address_code(beat, road, number, building, entrance, room)
            place_id = places.get(code)
            if place_id is None:
                place_id = places[code] = len(places) + 1
                address = compose_address(road, number, building, entrance, room)
                wp.writerow(
                    [
                        place_id,
                        beat_id,
                        path,
                        "dwelling",
                        "",
                        "",
                        "",
                        code,
                        "",
                        road,
                        number,
                        building,
                        entrance,
                        room,
                        address,
                        "t",
                        now,
                        now,
                    ]
                )
                wh.writerow(
                    [place_id, place_id, path, USE_CODES[use], "", "", "", "", "", "f", now, now]
                )
            number_, sex, birth = parse_id_number(id_no)
            wpe.writerow(
                [
                    pid,
                    name,
                    sealer.encrypt(number_),
                    sealer.hash(number_),
                    mask_id(number_),
                    sex,
                    birth.isoformat(),
                    sealer.encrypt(phone),
                    sealer.hash(phone),
                    mask_phone(phone),
                    reg,
                    full,
                    "f",
                    place_id,
                    "member",
                    path,
                    now,
                    now,
                ]
            )
    return files


_COLUMNS = {
    "registry_place": "id, beat_id, unit_path, kind, shop_kind, enterprise_category, key_place_kind, address_code, name, road, house_number, building, entrance, room, address, is_active, created_at, updated_at",
    "registry_household": "id, place_id, unit_path, use, landlord_name, landlord_phone_enc, landlord_phone_masked, landlord_phone_hash, tenants, separated, created_at, updated_at",
    "registry_person": "id, name, id_enc, id_hash, id_masked, sex, birth_date, phone_enc, phone_hash, phone_masked, registered_address, actual_address, separated, household_id, relation, unit_path, created_at, updated_at",
}


def _baseline_seconds(files: dict[str, Path]) -> float:
    from django.db import connection, transaction

    _truncate()
    pairs = [
        ("registry_place", files["place"]),
        ("registry_household", files["household"]),
        ("registry_person", files["person"]),
    ]
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        for table, path in pairs:
            if connection.vendor == "postgresql":
                with (
                    path.open("rb") as fh,
                    cur.cursor.copy(
                        f"COPY {table} ({_COLUMNS[table]}) FROM STDIN (FORMAT csv, NULL '\\N')"
                    ) as copy,
                ):
                    while chunk := fh.read(1 << 20):
                        copy.write(chunk)
            else:
                cols = _COLUMNS[table].split(", ")
                marks = ", ".join(["%s"] * len(cols))
                with path.open(encoding="utf-8") as fh:
                    cur.executemany(
                        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", csv.reader(fh)
                    )
    took = time.perf_counter() - t0
    _truncate()
    return took


def _import_figure(bench: Bench, fmt: str) -> Figure:
    WORK.mkdir(parents=True, exist_ok=True)
    n = _rows_wanted()
    small = max(1000, n // 10)
    beats = _beats()
    paths = {}
    for count in (n, small):
        csv_path = WORK / f"households-fulltext-{count}.csv"
        if not csv_path.exists():
            _write_csv(csv_path, count, beats)
        paths[("csv", count)] = csv_path
        if fmt == "xlsx":
            xlsx_path = WORK / f"households-fulltext-{count}.xlsx"
            if not xlsx_path.exists():
                _write_xlsx(xlsx_path, count, beats)
            paths[("xlsx", count)] = xlsx_path
    with tempfile.TemporaryDirectory() as tmp:
        files = _prepared_tables(paths[("csv", n)], Path(tmp))
        baseline = _baseline_seconds(files)
    _truncate()
    big = _import_in_child(paths[(fmt, n)])
    _truncate()
    little = _import_in_child(paths[(fmt, small)])
    _truncate()
    extra = {
        "rows": n,
        "seconds": round(big["seconds"], 1),
        "baseline_seconds": round(baseline, 1),
        "peak_mb": round(big["rss_mb"]),
        f"peak_mb_at_{small}": round(little["rss_mb"]),
        "peak_ratio": round(big["rss_mb"] / little["rss_mb"], 2),
        "rejected": big["rejected"],
    }
    if fmt == "xlsx":
        csv_run = _import_in_child(paths[("csv", n)])
        _truncate()
        extra["csv_seconds_same_run"] = round(csv_run["seconds"], 1)
        extra["xlsx_over_csv"] = round(big["seconds"] / csv_run["seconds"], 2)
    rate = n / big["seconds"]
    copy_name = (
        "raw COPY"
        if bench.database.startswith("postgres")
        else "executemany INSERT (SQLite has no COPY)"
    )
    return Figure(
        ratio=baseline / big["seconds"],
        value=rate,
        unit="rows/s",
        baseline=f"{copy_name} of the same rows, prepared, into the same tables",
        goal=">= 0.5; xlsx <= 2x csv time; peak < 1 GB and <= 1.5x the N/10 peak",
        extra=extra,
    )


def import_csv(bench: Bench) -> Figure:
    return _import_figure(bench, "csv")


def import_xlsx(bench: Bench) -> Figure:
    return _import_figure(bench, "xlsx")


def export_xlsx(bench: Bench) -> Figure:
    from openpyxl import Workbook

    from zoufang.core.xlsx import write_xlsx
    from zoufang.registry.models import Person
    from zoufang.registry.selectors import PERSON_EXPORT_HEADERS, person_export_rows

    n = _rows_wanted()
    if Person.objects.count() < n:
        beats = _beats()
        WORK.mkdir(parents=True, exist_ok=True)
        csv_path = WORK / f"households-fulltext-{n}.csv"
        if not csv_path.exists():
            _write_csv(csv_path, n, beats)
        _import_in_child(csv_path)
    qs = Person.objects.all()

    def ours() -> None:
        with tempfile.TemporaryFile() as fh:
            write_xlsx(fh, PERSON_EXPORT_HEADERS, person_export_rows(qs, full=False))

    def theirs() -> None:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append(PERSON_EXPORT_HEADERS)
        for row in person_export_rows(qs, full=False):
            ws.append(row)
        with tempfile.TemporaryFile() as fh:
            wb.save(fh)

    t0 = time.perf_counter()
    ours()
    mine = time.perf_counter() - t0
    t0 = time.perf_counter()
    theirs()
    base = time.perf_counter() - t0
    return Figure(
        ratio=base / mine,
        value=n / mine,
        unit="rows/s",
        baseline="openpyxl write-only mode, same query",
        goal=">= 1.5, flat memory",
        extra={"rows": n, "seconds": round(mine, 1), "openpyxl_seconds": round(base, 1)},
    )


FIGURES = {"import_csv": import_csv, "import_xlsx": import_xlsx, "export_xlsx": export_xlsx}
