"""The access rule of each supervision route and API operation (decision 0048; the rules are
supervision.access's: who views, who manages, who verifies)."""

from zoufang.core.roles import CAMPAIGN_WIDE_ROLES, Role
from zoufang.supervision.access import OFFICE_ROLES, UNIT_READERS

ROUTES = {
    "supervision:index": "role:supervision-view",
    "supervision:settings": "role:supervision-view",
    "supervision:deployment": "role:supervision-view",
    "supervision:verification_list": "role:supervision-view",
    "supervision:verification_detail": "role:supervision-view",
    "supervision:sample_draw": "role:supervision-manage",
    "supervision:sample_audit": "role:supervision-manage",
    "supervision:inspection_board": "role:supervision-view",
    "supervision:pairing_generate": "role:supervision-manage",
    "supervision:pairing_detail": "role:supervision-view",
    "supervision:inspection_detail": "role:supervision-view",
    "supervision:inspection_photo": "role:supervision-view",
    "supervision:scores": "role:supervision-view",
    "supervision:snapshot_now": "role:supervision-manage",
    "supervision:honour_lists": "role:supervision-view",
    "supervision:honour_propose": "role:supervision-manage",
    "supervision:honour_detail": "role:supervision-view",
    "supervision:honour_act": "role:supervision-manage",
    "supervision:deepening": "role:supervision-view",
    "supervision:deepening_propose": "role:supervision-manage",
    "supervision:deepening_act": "role:supervision-view",
}

API = {
    "supervision_verification_tasks": "role:supervision-view",
    "supervision_verification_submit": "role:supervisor",
    "supervision_scores": "role:supervision-view",
    "supervision_phase_focus": "role:supervision-view",
}

ROLES = {
    "role:supervision-view": CAMPAIGN_WIDE_ROLES | UNIT_READERS,
    "role:supervision-manage": OFFICE_ROLES,
    "role:supervisor": frozenset({Role.SUPERVISOR}),
}
