"""The one NinjaAPI; each app contributes a Router from its api.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.operation import Operation

from zoufang.core.api import CookieSessionAuth
from zoufang.core.roles import Role
from zoufang.findings.api import router as findings_router
from zoufang.knowledge.api import router as knowledge_router
from zoufang.offline.api import router as offline_router
from zoufang.org.api import TokenAuth, auth_router
from zoufang.org.api import router as org_router
from zoufang.org.models import User
from zoufang.patrol.api import router as patrol_router
from zoufang.registry.api import router as registry_router
from zoufang.supervision.api import router as supervision_router
from zoufang.visits.api import router as visits_router


class ApiTokenAuth(TokenAuth):
    """The token check, refusing the auditor role: an auditor reads the audit trail's pages
    and nothing else (session calls are kept out by zoufang.core.middleware)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = super().authenticate(request, token)
        return None if user is not None and user.role == Role.AUDITOR else user


# Session auth (pages and the interactive docs) requires the CSRF token on unsafe methods;
# phones send a Bearer token instead.
AUTH = [CookieSessionAuth(), ApiTokenAuth()]


class ZoufangAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """Names a generated client shows its users: `<app>_<function>` (visits_submit,
        findings_list), not ninja's `zoufang_visits_api_submit`. An operation may name
        itself with `operation_id=`."""
        module = operation.view_func.__module__  # zoufang.<app>.api
        app = module.split(".")[1] if module.startswith("zoufang.") else module
        return f"{app}_{operation.view_func.__name__}"


# The interactive docs and the schema need a signed-in session (decision 0007): they map
# every endpoint of a police system, and the people who build clients have accounts.
api = ZoufangAPI(
    title="Zoufang API",
    version="1",
    description="大走访大排查大调研 campaign platform. Authenticate with a session or a Bearer token "
    'from POST /api/v1/auth/token. Errors are {"detail": ..., "code": ...}.',
    auth=AUTH,
    urls_namespace="api",
    docs_decorator=login_required,
)


def _error(
    request: HttpRequest, status: int, code: str, detail: object, **extra: object
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "code": code, **extra}, status=status)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 403, "forbidden", str(exc) or _("You may not do this."))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 401, "unauthenticated", _("Log in or send a valid Bearer token."))


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
    return _error(request, 422, "invalid", detail)


@api.exception_handler(NinjaValidationError)
def _invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return _error(request, 422, "invalid_input", exc.errors)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        # ninja's "Cannot parse request body" (malformed JSON or form data).
        return _error(request, 400, "bad_request", _("The request body cannot be read."))
    code = getattr(exc, "code", None) or {
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        409: "conflict",
        429: "locked",
    }.get(exc.status_code, "error")
    # A 409 may carry what the server holds (`existing`): the offline app shows both versions.
    existing = getattr(exc, "existing", None)
    extra = {"existing": existing} if existing is not None else {}
    return _error(request, exc.status_code, code, str(exc), **extra)


@csrf_exempt  # it changes nothing; a POST there gets the same JSON 404
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other URL under /api/v1/ (e.g. `/api/v1/visits/abc` where an integer id belongs):
    a JSON 404 in the error shape, not Django's HTML page."""
    return _error(request, 404, "not_found", _("Not found."))


api.add_router("/auth", auth_router)
api.add_router("/", org_router)
api.add_router("/registry", registry_router)
api.add_router("/findings", findings_router)
api.add_router("/pocketbook", knowledge_router)
api.add_router("/visits", visits_router)
api.add_router("/supervision", supervision_router)
api.add_router("/offline", offline_router)
api.add_router("/patrol", patrol_router)
