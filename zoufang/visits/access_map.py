"""The access rule of each visits route and API operation (decision 0048; the rules are
visits.access's)."""

ROUTES = {
    "visits:today": "scoped:unit-subtree",
    "visits:coverage": "scoped:unit-subtree",
    "visits:task_detail": "scoped:unit-subtree",
    "visits:record": "scoped:visit-recorder",
    "visits:visit_detail": "scoped:unit-subtree",
    "visits:photo": "scoped:unit-subtree",
    "visits:beat_tasks": "scoped:unit-subtree",
    "visits:generate": "scoped:task-manager",
    "visits:reassign": "scoped:task-manager",
    "visits:unvisited": "scoped:unit-subtree",
    "visits:correction_decide": "scoped:correction-decider",
}

API = {
    "visits_tasks": "scoped:unit-subtree",
    "visits_task": "scoped:unit-subtree",
    "visits_forms": "login",  # the campaign's forms, the same for everyone
    "visits_submit": "scoped:visit-recorder",
    "visits_detail": "scoped:unit-subtree",
    "visits_photo": "scoped:visit-recorder",
    "visits_raise_finding": "scoped:visit-recorder",
    "visits_coverage": "scoped:unit-subtree",
}
