"""State changes of the big visit, one module per concern:

- `tasks`: generating tasks for a beat in walkable batches, reassigning, appointments;
- `submit`: submitting a visit (idempotent by the phone's UUID) and its two write paths;
- `checks`: the checks a submission passes before anything is written;
- `catalog`: the campaign's forms and publicity catalog, cached a minute per process;
- `photos`: visit photos, sent before or after their visit;
- `registry_link`: what a visit learnt, into the registry after the commit (queue, sweep);
- `spot_findings`: findings raised from a visit, through the findings ledger;
- `heard`: opinions on police work, persons met by ID number, wanted-person alerts;
- `corrections`: registry correction requests, applied or rejected;
- `common`: limits, the conflict error, hashes and task events they share.

The registry and the findings ledger are changed only through their own services, each called
from one adapter (`registry_link._registry_apply`, `spot_findings.finding_create_for_visit`,
`corrections._registry_correct`). Permission checks live in `visits.access`.

The names below are the app's service API (views, api, tasks, commands, demo, bench, tests
import them from here).
"""

from zoufang.visits.services.catalog import catalog_caches_clear
from zoufang.visits.services.common import (
    CLOCK_SKEW,
    GRADES,
    MAX_FINDINGS,
    MAX_LEAFLETS,
    MAX_PHOTOS,
    VisitConflict,
)
from zoufang.visits.services.corrections import correction_decide
from zoufang.visits.services.heard import visit_asks_call_in
from zoufang.visits.services.photos import photo_check, photo_max_bytes, visit_photo_add
from zoufang.visits.services.registry_link import visit_registry_apply, visit_registry_sweep
from zoufang.visits.services.spot_findings import visit_finding_raise
from zoufang.visits.services.submit import (
    SubmitResult,
    VisitInput,
    visit_payload_hash,
    visit_submit,
)
from zoufang.visits.services.tasks import (
    GenerateResult,
    appointment_text,
    task_request,
    task_schedule,
    tasks_generate,
    tasks_reassign,
)

__all__ = [
    "CLOCK_SKEW",
    "GRADES",
    "MAX_FINDINGS",
    "MAX_LEAFLETS",
    "MAX_PHOTOS",
    "GenerateResult",
    "SubmitResult",
    "VisitConflict",
    "VisitInput",
    "appointment_text",
    "catalog_caches_clear",
    "correction_decide",
    "photo_check",
    "photo_max_bytes",
    "task_request",
    "task_schedule",
    "tasks_generate",
    "tasks_reassign",
    "visit_asks_call_in",
    "visit_finding_raise",
    "visit_payload_hash",
    "visit_photo_add",
    "visit_registry_apply",
    "visit_registry_sweep",
    "visit_submit",
]
