"""import_hostile: the refusal of a hostile .xlsx (issue 10): 1.3 MB holding 3,000,000
near-empty rows, which used to block a request for 200 s at 3 GB. Measured: the peak memory
of the reading child process (where the file is inspected) and of this process's growth, and
the time to the refusal. Goal: under 300 MB, refused in under 5 s."""

from __future__ import annotations

import resource
import tempfile
import time
import zipfile
from pathlib import Path

from bench.common import Bench, Figure

GOAL_MB = 300
GOAL_SECONDS = 5


def write_rows_bomb(path: Path, rows: int = 3_000_000) -> None:
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    rels = "http://schemas.openxmlformats.org/package/2006/relationships"
    kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{rels}"><Relationship Id="rId1" '
            f'Type="{kind}officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        zf.writestr(
            "xl/workbook.xml",
            f'<workbook {ns} {rel}><sheets><sheet name="S" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>",
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{rels}"><Relationship Id="rId1" Type="{kind}worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            fh.write(f"<worksheet {ns}><sheetData>".encode())
            for _ in range(rows // 10_000):
                fh.write(b"<row><c/></row>" * 10_000)
            fh.write(b"</sheetData></worksheet>")


def import_hostile(bench: Bench) -> Figure:
    from zoufang.registry.imports.reader import ImportFileError, open_table
    from zoufang.registry.imports.specs import SPECS

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rows.xlsx"
        write_rows_bomb(path)
        size_mb = path.stat().st_size / (1 << 20)
        own_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        try:
            open_table(path, SPECS["household"].columns)
            message = "not refused"
        except ImportFileError as exc:
            message = str(exc)
        seconds = time.perf_counter() - t0
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    own_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - own_before) / 1024
    peak = child_mb + own_mb
    ok = message != "not refused" and peak < GOAL_MB and seconds < GOAL_SECONDS
    return Figure(
        ratio=peak / GOAL_MB,
        value=peak,
        unit="MB",
        baseline=f"{GOAL_MB} MB (goal); before: the process aborted / 3 GB for 200 s",
        goal=f"< {GOAL_MB} MB and < {GOAL_SECONDS} s, refused: {'yes' if ok else 'NO'}",
        extra={
            "seconds": round(seconds, 3),
            "file_mb": round(size_mb, 2),
            "reader_child_peak_mb": round(child_mb, 1),
            "importer_growth_mb": round(own_mb, 1),
            "message": message,
        },
    )


FIGURES = {"import_hostile": import_hostile}
