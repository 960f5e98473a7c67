"""Every change to the registry goes through here and leaves history rows (Change).

Each service takes `by=Edit(actor, source, reference)`: who, through what, and the record
behind it. Visits pass `Edit(officer, Change.Source.VISIT, "visit:<id>")`:
`registry_apply(place=..., answers={"household.rented": True, ...}, by=...)` maps the
`registry = "..."` keys of the campaign's visit forms onto `household_update`,
`householder_set`, `shop_update`, `enterprise_update`.

One module per concern: history (plain fields and history rows), places, households (and
persons), orgs (shops and enterprises), keys (key persons and key items), visits. Their public
functions are this package's names; imports of files are in registry.imports.
"""

from zoufang.registry.services.history import Edit, Source
from zoufang.registry.services.households import (
    household_update,
    householder_set,
    person_save,
)
from zoufang.registry.services.keys import key_item_create, key_person_clear, key_person_set
from zoufang.registry.services.orgs import (
    category_code,
    enterprise_update,
    org_create,
    shop_update,
)
from zoufang.registry.services.places import place_create, place_update
from zoufang.registry.services.visits import registry_apply

__all__ = [
    "Edit",
    "Source",
    "category_code",
    "enterprise_update",
    "household_update",
    "householder_set",
    "key_item_create",
    "key_person_clear",
    "key_person_set",
    "org_create",
    "person_save",
    "place_create",
    "place_update",
    "registry_apply",
    "shop_update",
]
