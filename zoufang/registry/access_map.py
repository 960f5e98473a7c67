"""The access rule of each registry route and API operation (decision 0048; the rules are
registry.access's)."""

from zoufang.registry.access import IMPORT_ROLES

ROUTES = {
    "registry:place_list": "scoped:unit-subtree",
    "registry:place_detail": "scoped:unit-subtree",
    "registry:place_edit": "scoped:registry-editor",
    "registry:household_edit": "scoped:registry-editor",
    "registry:org_edit": "scoped:registry-editor",
    "registry:key_item_new": "scoped:registry-editor",
    "registry:person_list": "scoped:unit-subtree",
    "registry:person_detail": "scoped:unit-subtree",
    "registry:person_edit": "scoped:registry-editor",
    "registry:key_person_edit": "scoped:key-persons",
    "registry:person_reveal": "scoped:full-values",
    "registry:key_person_list": "scoped:key-persons",
    "registry:shop_list": "scoped:unit-subtree",
    "registry:enterprise_list": "scoped:unit-subtree",
    "registry:key_item_list": "scoped:unit-subtree",
    "registry:import_start": "role:importers",
    "registry:import_detail": "scoped:unit-subtree",
    "registry:import_report": "scoped:unit-subtree",
    "registry:import_retry": "scoped:importer",
    "registry:import_template": "role:importers",
}

API = {
    "registry_places": "scoped:unit-subtree",
    "registry_place": "scoped:unit-subtree",
    "registry_persons": "scoped:unit-subtree",
    "registry_person": "scoped:unit-subtree",
    "registry_place_history": "scoped:unit-subtree",
    "registry_import_job": "scoped:unit-subtree",
}

ROLES = {"role:importers": IMPORT_ROLES}
