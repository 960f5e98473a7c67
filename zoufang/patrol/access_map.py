"""The access rule of each patrol route and API operation (decision 0048; the rules are
patrol.access's)."""

from zoufang.patrol.access import DECIDER_ROLES, RULE_EDITOR_ROLES

ROUTES = {
    "patrol:queue": "scoped:unit-subtree",
    "patrol:flag_detail": "scoped:unit-subtree",
    "patrol:flag_decide": "role:patrol-deciders",
    "patrol:rules": "scoped:unit-subtree",
    "patrol:rule_edit": "role:patrol-rule-editors",
    "patrol:run_now": "role:patrol-deciders",
    "patrol:run_progress": "role:patrol-deciders",
    "patrol:notices": "scoped:unit-subtree",
    "patrol:notice_detail": "scoped:unit-subtree",
}

API = {
    "patrol_flags": "scoped:unit-subtree",
    "patrol_flag": "scoped:unit-subtree",
    "patrol_decide": "role:patrol-deciders",
    "patrol_rules": "scoped:unit-subtree",
    "patrol_notices": "scoped:unit-subtree",
    "patrol_trend": "scoped:unit-subtree",
}

ROLES = {
    "role:patrol-deciders": DECIDER_ROLES,
    "role:patrol-rule-editors": RULE_EDITOR_ROLES,
}
