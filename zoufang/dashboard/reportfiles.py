"""A daily report as files: the printable page as HTML, a PDF printed by headless chromium
with its charts (docs/decisions/0013-daily-report-pdf.md), and an xlsx workbook with a
sheet per section. All three are made from the report's stored figures (`DailyReport.data`),
so a published report's files never change."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import xlsxwriter
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zoufang.dashboard.models import DailyReport
from zoufang.dashboard.printing import print_pdf

FIGURE_LABELS = {
    "coverage": gettext_noop("Coverage %"),
    "plan": gettext_noop("Plan %"),
    "visits": gettext_noop("Visits"),
    "completed": gettext_noop("Completed visits"),
    "raised": gettext_noop("Findings raised"),
    "closed": gettext_noop("Findings closed"),
    "open": gettext_noop("Open findings"),
    "overdue": gettext_noop("Overdue"),
    "supervised": gettext_noop("督办"),
    "median_close_hours": gettext_noop("Median time to close (h)"),
    "compliance": gettext_noop("Compliance %"),
}


def key_rows(report: DailyReport) -> list[tuple[str, Any, Any]]:
    """(label, value, change since the previous report) for each key figure."""
    key, change = report.data.get("key", {}), report.data.get("changes", {})
    return [(_(label), key.get(k), change.get(k)) for k, label in FIGURE_LABELS.items()]


def report_context(report: DailyReport, *, inline: bool = False) -> dict[str, Any]:
    context: dict[str, Any] = {
        "report": report,
        "data": report.data,
        "key_rows": key_rows(report),
        "chart": {
            "days": [d["day"][5:] for d in report.data.get("daily", [])],
            "visits": [d["visits"] for d in report.data.get("daily", [])],
            "coverage": [d["coverage"] for d in report.data.get("daily", [])],
            "plan": [d["plan"] for d in report.data.get("daily", [])],
            "ranking": [[r["name"], r["coverage"]] for r in report.data.get("ranking", [])],
            "labels": {"visits": _("Visits"), "coverage": _("Coverage %"), "plan": _("Plan %")},
        },
        "finding_sections": [
            (_("Overdue findings"), report.data.get("overdue", [])),
            (_("督办 findings"), report.data.get("supervised", [])),
        ],
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


def printable(template: str, context: dict[str, Any]) -> str:
    """A print template rendered self-contained: the scripts go in here, not in the
    template — this page is only ever printed, never served, so the Content-Security-Policy's
    rule for served templates holds."""
    html = render_to_string(template, context)
    script = "<script>" + context["inline_js"].replace("</script", "<\\/script") + "</script>"
    return html.replace("</body>", script + "</body>", 1)


def report_pdf(report: DailyReport) -> bytes:
    """The report printed to PDF (A4) by headless chromium, its charts drawn by ECharts as on
    screen. The page is self-contained (scripts and styles inline), so nothing is fetched."""
    return print_pdf(printable("dashboard/report_print.html", report_context(report, inline=True)))


RANK_COLUMNS = ("name", "tasks", "coverage", "visits", "open", "overdue", "supervised")
FINDING_COLUMNS = ("number", "kind", "grade", "state", "beat", "owner", "deadline")


def _sheet(book: Any, bold: Any, name: str, headers: list[str], rows: list[list[Any]]) -> None:
    ws = book.add_worksheet(name[:31])
    for c, h in enumerate(headers):
        ws.write_string(0, c, h, bold)
        ws.set_column(c, c, max(10, min(36, len(h) * 2 + 4)))
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, bool):
                ws.write_string(r, c, _("Yes") if v else _("No"))
            elif isinstance(v, int | float):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, str(v))


def _sections(report: DailyReport) -> list[tuple[str, list[str], list[list[Any]]]]:
    d = report.data
    rank_headers = [_("Unit"), _("Tasks"), _("Coverage %"), _("Visits")]
    rank_headers += [_("Open findings"), _("Overdue"), _("督办")]
    finding_headers = [_("Number"), _("Kind"), _("Grade"), _("State"), _("Beat"), _("Owner")]
    finding_headers.append(_("Deadline"))
    daily = [[r[k] for k in ("day", "visits", "visited", "coverage", "plan")] for r in d["daily"]]
    return [
        (
            _("Key figures"),
            [_("Figure"), _("Value"), _("Change since the previous report")],
            [list(r) for r in key_rows(report)],
        ),
        (
            _("Visits per day"),
            [_("Day"), _("Visits"), _("Completed visits"), _("Coverage %"), _("Plan %")],
            daily,
        ),
        (_("Units ranked"), rank_headers, [[r[k] for k in RANK_COLUMNS] for r in d["ranking"]]),
        (
            _("Overdue findings"),
            finding_headers,
            [[f[k] for k in FINDING_COLUMNS] for f in d["overdue"]],
        ),
        (
            _("督办 findings"),
            finding_headers,
            [[f[k] for k in FINDING_COLUMNS] for f in d["supervised"]],
        ),
        (_("Highlights"), [_("Highlights")], [[report.highlights]] if report.highlights else []),
    ]


def report_xlsx(report: DailyReport) -> bytes:
    """The report as a workbook: a sheet per section."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    for name, headers, rows in _sections(report):
        _sheet(book, bold, name, headers, rows)
    book.close()
    return out.getvalue()
