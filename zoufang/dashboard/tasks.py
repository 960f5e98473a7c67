from __future__ import annotations

from celery import shared_task

from zoufang.dashboard.reports import evening_reports


@shared_task(name="dashboard.evening_reports")
def evening_reports_task() -> int:
    """Every evening (celery beat): the day's report for the city and each county bureau."""
    return len(evening_reports())
