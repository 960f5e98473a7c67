"""The access rule of each pocket-book route and API operation (decision 0048). Reading needs
a campaign role (any); no jurisdiction applies (knowledge.access)."""

from zoufang.knowledge.access import EDITOR_ROLES

ROUTES = {
    "knowledge:index": "login",
    "knowledge:chapter": "login",
    "knowledge:entry": "login",
    "knowledge:entry_history": "login",
    "knowledge:entry_new": "role:pocketbook-editors",
    "knowledge:entry_edit": "role:pocketbook-editors",
    "knowledge:load": "role:pocketbook-editors",
}

API = {
    "pocketbook_entries": "login",
    "pocketbook_entry": "login",
    "pocketbook_search": "login",
}

ROLES = {"role:pocketbook-editors": EDITOR_ROLES}
