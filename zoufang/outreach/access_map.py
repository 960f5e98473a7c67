"""The access rule of each outreach route (decision 0048; the rules are outreach.access's).
The public page's routes (namespace `public`) are the only ones of the public host."""

from zoufang.outreach.access import MODERATOR_ROLES

ROUTES = {
    "outreach:index": "scoped:unit-subtree",
    "outreach:drive": "scoped:unit-subtree",
    "outreach:event_new": "scoped:event-recorder",
    "outreach:event_photo": "scoped:unit-subtree",
    "outreach:leaflets": "scoped:unit-subtree",
    "outreach:issue": "scoped:unit-manager",
    "outreach:sheet": "scoped:unit-subtree",
    "outreach:batch": "scoped:unit-subtree",
    "outreach:satisfaction": "scoped:unit-subtree",
    "outreach:moderation": "role:moderators",
    "outreach:submission": "scoped:unit-subtree",
    "outreach:decide": "role:moderators",
    "outreach:submission_photo": "scoped:unit-subtree",
    "public:city": "public",
    "public:status": "public",
    "public:privacy": "public",
    "public:challenge": "public",
    "public:beat": "public",
    "public:rate": "public",
    "public:suggest": "public",
    "public:visit": "public",
    "public:clue": "public",
}

ROLES = {"role:moderators": MODERATOR_ROLES}
