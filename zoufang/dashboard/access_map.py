"""The access rule of each dashboard route (decision 0048): the steering roles, each for its
own subtree (dashboard.access)."""

from zoufang.dashboard.access import STEERING_ROLES

_NAMES = [
    "dashboard",
    "map",
    "map_data",
    "reports",
    "report_new",
    "report_detail",
    "report_publish",
    "report_pdf",
    "report_xlsx",
    "summaries",
    "summary_new",
    "summary_detail",
    "summary_publish",
    "summary_pdf",
    "summary_xlsx",
]
ROUTES = {f"dashboard:{name}": "role:steering" for name in _NAMES}

ROLES = {"role:steering": STEERING_ROLES}
