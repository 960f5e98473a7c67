"""The access rule of each org route and API operation (decision 0048)."""

ROUTES = {
    "org:unit_tree": "scoped:unit-subtree",
    "org:unit_detail": "scoped:unit-subtree",
    "org:unit_children": "scoped:unit-subtree",
    "org:personnel_list": "scoped:unit-subtree",
    "org:personnel_detail": "scoped:unit-subtree",
    "org:personnel_create": "scoped:unit-manager",
    "org:personnel_edit": "scoped:unit-manager",
    "org:team_list": "scoped:unit-subtree",
    "org:team_detail": "scoped:unit-subtree",
    "org:team_member_add": "scoped:unit-manager",
    "org:team_member_remove": "scoped:unit-manager",
}

API = {
    # The login of the API (lockout by django-axes).
    "auth_token": "public",  # nosec B105 - an access rule, not a password
    "org_me": "login",
    "org_units": "scoped:unit-subtree",
    "org_unit": "scoped:unit-subtree",
    "org_people": "scoped:unit-subtree",
    "org_person": "scoped:unit-subtree",
    "org_teams": "scoped:unit-subtree",
    "org_team": "scoped:unit-subtree",
}
