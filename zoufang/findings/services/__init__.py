"""State changes of findings, by concern:

- `routing`: the owner unit, department and deadlines of a kind and grade in a beat;
- `create`: `finding_create` (idempotent), numbering, duplicates, a linked report;
- `workflow`: `finding_transition`, what each action changes, who hears of it;
- `sweep`: the overdue sweep;
- `audit`: `record_access`, the log of every opening of a sensitive finding;
- `notices`: what notifications about a finding say and link to.

The names other apps use (visits, the demo, bench) are importable from here.
"""

from zoufang.findings.services.create import CreateResult, FindingConflict, finding_create
from zoufang.findings.services.sweep import SweepResult, findings_sweep
from zoufang.findings.services.workflow import FindingChanged, finding_transition

__all__ = [
    "CreateResult",
    "FindingChanged",
    "FindingConflict",
    "SweepResult",
    "finding_create",
    "finding_transition",
    "findings_sweep",
]
