"""The access rule of each notifications route (decision 0048): a user's own only."""

ROUTES = {
    "notifications:list": "scoped:own-notifications",
    "notifications:badge": "scoped:own-notifications",
    "notifications:read_all": "scoped:own-notifications",
    "notifications:open": "scoped:own-notifications",
}
