"""The plain fields of the registry's shops and enterprises, declared once: the services (what a
change may set), the edit forms (which fields, in this order) and the import loader (which
staging columns update the record) all read these tuples.

Not listed: the credit code and the contact phone, which each of them handles on its own
(checked, unique; encrypted, hashed, masked).
"""

from __future__ import annotations

# Every shop and enterprise: the head of the form, then the three yes/no flags at its foot.
ORG_HEAD_FIELDS = ("name", "contact_name", "opened_on")
ORG_FLAG_FIELDS = ("key_industry", "key_items", "key_persons")
ORG_FIELDS = (*ORG_HEAD_FIELDS, *ORG_FLAG_FIELDS)

# A shop's own fields (all free text).
SHOP_OWN_FIELDS = (
    "business_scope",
    "operating_mode",
    "goods_source",
    "sales_destination",
    "owner_staff",
)

# An enterprise's own fields; `staff_count` is a number, the rest text.
ENTERPRISE_OWN_FIELDS = (
    "nature",
    "category",
    "staff_count",
    "staff_composition",
    "security_org",
    "protective_measures",
    "vital_parts",
)
ENTERPRISE_NUMBER_FIELDS = frozenset({"staff_count"})

# All plain fields of each, in the order the edit form shows them.
SHOP_FIELDS = (*ORG_HEAD_FIELDS, *SHOP_OWN_FIELDS, *ORG_FLAG_FIELDS)
ENTERPRISE_FIELDS = (*ORG_HEAD_FIELDS, *ENTERPRISE_OWN_FIELDS, *ORG_FLAG_FIELDS)
