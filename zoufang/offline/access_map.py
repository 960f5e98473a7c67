"""The access rule of each offline-app route and operation (decision 0048)."""

ROUTES = {
    # The service worker, the manifest, the "no network" page and the probe hold nothing
    # about a user (the fallback is rendered without the signed-in user, tested).
    "service_worker": "public",
    "webmanifest": "public",
    "offline:ping": "public",
    "offline:fallback": "public",
    "offline:outbox": "login",
    "offline:pages": "login",
}

API = {
    # Each queued record is then checked by its own operation's rule.
    "offline_queue": "login",
}
