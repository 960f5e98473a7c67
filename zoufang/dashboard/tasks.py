from __future__ import annotations

from celery import shared_task

from zoufang.dashboard.reports import evening_reports
from zoufang.dashboard.summary import closing_summaries


@shared_task(name="dashboard.evening_reports")
def evening_reports_task() -> int:
    """Every evening (celery beat): the day's report for the city and each county bureau, and
    on the campaign's last day its closing summaries."""
    return len(evening_reports()) + len(closing_summaries())
