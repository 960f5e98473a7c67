"""A closing summary as files: the printable page, its PDF (printed like a daily report's,
charts included) and an xlsx workbook with a sheet per section — all made from the summary's
stored figures, so a published summary's files never change."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import xlsxwriter
from django.contrib.staticfiles import finders
from django.utils.translation import gettext as _

from zoufang.dashboard.models import ClosingSummary
from zoufang.dashboard.printing import print_pdf
from zoufang.dashboard.reportfiles import _sheet, printable


def summary_context(summary: ClosingSummary, *, inline: bool = False) -> dict[str, Any]:
    d = summary.data
    daily = d.get("daily", [])
    context: dict[str, Any] = {
        "summary": summary,
        "data": d,
        "chart": {
            "days": [r["day"][5:] for r in daily],
            "visits": [r["visits"] for r in daily],
            "coverage": [r["coverage"] for r in daily],
            "plan": [r["plan"] for r in daily],
            "ranking": [[r["name"], r["coverage"]] for r in d.get("ranking", [])],
            "labels": {"visits": _("Visits"), "coverage": _("Coverage %"), "plan": _("Plan %")},
        },
        "inline": inline,
    }
    if inline:
        context["inline_js"] = "\n".join(
            Path(finders.find(p)).read_text(encoding="utf-8")
            for p in ("vendor/echarts/echarts.min.js", "dashboard/report.js")
        )
        context["inline_css"] = Path(finders.find("vendor/bootstrap/bootstrap.min.css")).read_text(
            encoding="utf-8"
        )
    return context


def summary_pdf(summary: ClosingSummary) -> bytes:
    return print_pdf(
        printable("dashboard/summary_print.html", summary_context(summary, inline=True))
    )


def _sections(summary: ClosingSummary) -> list[tuple[str, list[str], list[list[Any]]]]:
    d = summary.data
    cov, found, res = d["covered"], d["found"], d["resolved"]
    return [
        (
            _("Covered"),
            [_("Visit kind"), _("Tasks"), _("Visited"), _("Coverage %")],
            [[k["label"], k["tasks"], k["visited"], k["coverage"]] for k in cov["by_kind"]]
            + [[_("All"), cov["tasks"], cov["visited"], cov["coverage"]]],
        ),
        (
            _("Found"),
            [_("Kind"), _("Findings")],
            [list(r) for r in found["by_kind"]] + [[_("All"), found["total"]]],
        ),
        (
            _("Resolved"),
            [_("Figure"), _("Value")],
            [
                [_("Closed"), res["closed"]],
                [_("Closed %"), res["rate"]],
                [_("Open findings"), res["open"]],
                [_("Overdue"), res["overdue"]],
                [_("督办"), res["supervised"]],
                [_("Median time to close (h)"), res["median_close_hours"]],
            ],
        ),
        (
            _("Visits per day"),
            [_("Day"), _("Visits"), _("Coverage %"), _("Plan %")],
            [[r["day"], r["visits"], r["coverage"], r["plan"]] for r in d["daily"]],
        ),
        (
            _("Units ranked"),
            [_("Unit"), _("Tasks"), _("Coverage %"), _("Visits"), _("Open findings")],
            [[r["name"], r["tasks"], r["coverage"], r["visits"], r["open"]] for r in d["ranking"]],
        ),
        (
            _("Commendations"),
            [_("List"), _("Name"), _("Unit"), _("Reason")],
            [[c["list"], c["name"], c["unit"], c["reason"]] for c in d["commendations"]],
        ),
        (
            _("Lessons learned"),
            [_("Lessons learned")],
            [[summary.lessons]] if summary.lessons else [],
        ),
    ]


def summary_xlsx(summary: ClosingSummary) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    for name, headers, rows in _sections(summary):
        _sheet(book, bold, name, headers, rows)
    book.close()
    return out.getvalue()
