"""The access rule of each findings route and API operation (decision 0048; the rules are
findings.access's: who sees, reads and may act on a finding)."""

from zoufang.core.roles import Role

ROUTES = {
    "findings:ledger": "scoped:finding-visible",
    "findings:mine": "scoped:finding-visible",
    "findings:create": "scoped:unit-subtree",
    "findings:department": "role:department-researcher",
    "findings:stats": "scoped:finding-visible",
    "findings:detail": "scoped:finding-visible",
    "findings:act": "scoped:finding-action",
    "findings:refer": "scoped:finding-handler",
    "findings:referral_feedback": "scoped:finding-handler",
}

API = {
    "findings_kinds": "login",  # the catalog of kinds, the same for everyone
    "findings_create": "scoped:unit-subtree",
    "findings_list": "scoped:finding-visible",
    "findings_detail": "scoped:finding-visible",
    "findings_transition": "scoped:finding-action",
}

ROLES = {"role:department-researcher": frozenset({Role.RESEARCHER})}
