"""The cast of the root conftest, by fixture name: every role a findings rule is checked for."""

ROLES = [
    "county_admin",
    "chief_a",
    "officer_a",
    "member_a",
    "chief_b",
    "officer_b",
    "office",
    "supervisor",
    "leader",
    "researcher",
]
