"""The access rule of each site-level route (config/urls.py, config/urls_public.py) — see
decision 0048. Keys are URL names (`namespace:name`), or `path:<route>` for an unnamed one;
values name the rule: `public`, `login` (any signed-in user), `scoped:<rule>` (a jurisdiction
or per-record rule, enforced by the view's access function) or `role:<rule>` (roles listed in
`ROLES`). `zoufang/core/tests/test_deny_by_default.py` fails on a route missing here."""

from zoufang.core.roles import AUDIT_ROLES

ROUTES = {
    "healthz": "public",
    "login": "public",
    "logout": "public",
    # The login's second step: reached only with the first step's pending session (decision 0045).
    "login_verify": "public",
    # The user's own account pages (issue 17 part 1): each reads and changes only the user's own
    # devices, password, history; tokens: own ones, and an administrator's jurisdiction's.
    "two_factor": "login",
    "two_factor_enrol": "login",
    "two_factor_remove": "login",
    "recovery_codes_renew": "login",
    "account_password": "login",  # nosec B105 - an access rule, not a password
    "account_tokens": "login",  # nosec B105 - an access rule, not a token
    "account_token_revoke": "scoped:api-token",  # nosec B105 - an access rule, not a token
    "account_history": "login",
    "account_resume": "login",
    "set_language": "public",
    "api_docs": "public",  # a redirect to the docs, which need a login
    "path:api/docs/": "public",
    "path:^api/v1/(?P<rest>.*)$": "public",  # any other /api/v1/ URL: a JSON 404
    "path:": "public",  # the public host's root: a redirect to the public page
    # The admin site: administrators and the office only, after the second login step
    # (org.admin.ZoufangAdminSite), its querysets in the jurisdiction (see
    # org/tests/test_admin_scope.py); one rule for all of its generated routes.
    "admin:*": "scoped:admin-site",
    # The API's schema and docs (decision 0007); its operations are in each app's API map.
    "api:openapi-json": "login",
    "api:openapi-view": "login",
    "api:api-root": "public",
}

ROLES = {"role:audit-readers": AUDIT_ROLES}
