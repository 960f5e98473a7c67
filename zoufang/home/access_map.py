"""The access rule of each home route (decision 0048; vocabulary in config/access_map.py)."""

from zoufang.core.roles import AUDIT_ROLES

ROUTES = {
    "home": "login",
    "audit_log": "role:audit-readers",
    # The field guides: the same text for everyone, nothing about any person or unit.
    "help": "public",
    "help_guide": "public",
    "help_image": "public",
}

ROLES = {"role:audit-readers": AUDIT_ROLES}
