"""The walk behind the deny-by-default tests (decision 0048): every URL pattern of both URLconfs,
every API operation of the schema, and the access rule each one is declared with in the
`access_map` modules (config/access_map.py and zoufang/<app>/access_map.py)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from functools import cache

from django.urls import URLPattern, URLResolver, get_resolver

import zoufang
from config.api import api

URLCONFS = (None, "config.urls_public")  # the staff site's and the public host's
# Namespaces declared as one entry: the admin site generates its own routes and checks them.
WHOLE_NAMESPACES = {"admin"}
RULE_RE = re.compile(r"^(public|login|scoped:[a-z-]+|role:[a-z-]+)$")
FORMAT_VALUES = {
    "uuid": "7f0c1f4e-0000-4000-8000-000000000001",
    "date": "2026-01-05",
    "date-time": "2026-01-05T10:00:00+08:00",
}
CONVERTER_VALUES = {"int": "1", "slug": "x", "str": "x", "path": "x", "uuid": None}


@dataclass(frozen=True)
class Route:
    key: str  # `namespace:name`, `path:<route>` when unnamed, or `admin:*`
    route: str  # the full pattern, e.g. "findings/<int:pk>/"
    name: str | None  # the name reverse() takes
    converters: tuple[tuple[str, str], ...]  # (kwarg, converter name) in the route
    urlconf: str | None


@dataclass(frozen=True)
class Operation:
    key: str  # the operationId
    method: str
    path: str  # "/api/v1/findings/{finding_id}"
    body: dict | None  # the JSON schema of the request body (resolved)


def _converters(pattern) -> list[tuple[str, str]]:
    out = []
    for kwarg, conv in getattr(pattern, "converters", {}).items():
        name = type(conv).__name__.removesuffix("Converter").lower()
        out.append((kwarg, name))
    return out


def _walk(resolver, prefix: str, ns: str | None, convs: list, urlconf):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            child_ns = (p.namespace and (f"{ns}:{p.namespace}" if ns else p.namespace)) or ns
            if p.namespace in WHOLE_NAMESPACES:
                yield Route(f"{p.namespace}:*", prefix + str(p.pattern), None, (), urlconf)
                continue
            yield from _walk(
                p, prefix + str(p.pattern), child_ns, convs + _converters(p.pattern), urlconf
            )
        elif isinstance(p, URLPattern):
            if getattr(p.callback, "__module__", "") == "ninja.operation":
                continue  # an API operation: walked from the schema (by operation id)
            name = f"{ns}:{p.name}" if ns and p.name else p.name
            key = name or f"path:{prefix}{p.pattern}"
            route = prefix + str(p.pattern)
            yield Route(key, route, name, tuple(convs + _converters(p.pattern)), urlconf)


@cache
def routes() -> tuple[Route, ...]:
    seen: dict[str, Route] = {}
    for urlconf in URLCONFS:
        for r in _walk(get_resolver(urlconf), "", None, [], urlconf):
            seen.setdefault(r.key, r)  # the public host's routes are the staff site's too
    return tuple(seen.values())


@cache
def schema() -> dict:
    return api.get_openapi_schema()


def resolve(node: dict) -> dict:
    """The schema `node` with a top-level $ref followed."""
    while "$ref" in node:
        node = schema()["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


@cache
def operations() -> tuple[Operation, ...]:
    out = []
    for path, methods in schema()["paths"].items():
        for method, op in methods.items():
            content = op.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            out.append(Operation(op["operationId"], method.upper(), path, body and resolve(body)))
    return tuple(out)


@cache
def declared() -> tuple[dict[str, str], dict[str, str], dict[str, frozenset]]:
    """(routes, operations, role sets) from every access_map module; a key declared twice
    is an error."""
    modules = [importlib.import_module("config.access_map")]
    for info in pkgutil.iter_modules(zoufang.__path__):
        try:
            modules.append(importlib.import_module(f"zoufang.{info.name}.access_map"))
        except ModuleNotFoundError as exc:
            if exc.name != f"zoufang.{info.name}.access_map":
                raise
    route_rules: dict[str, str] = {}
    op_rules: dict[str, str] = {}
    roles: dict[str, frozenset] = {}
    for module in modules:
        for target, source in ((route_rules, "ROUTES"), (op_rules, "API")):
            for key, rule in getattr(module, source, {}).items():
                assert key not in target, f"{key} is declared twice ({module.__name__})"
                target[key] = rule
        for name, members in getattr(module, "ROLES", {}).items():
            assert roles.get(name, frozenset(members)) == frozenset(members), (
                f"{name} names two different role sets ({module.__name__})"
            )
            roles[name] = frozenset(members)
    return route_rules, op_rules, roles


def url_for(route: Route, values: dict[str, object] | None = None) -> str:
    """The route with each parameter filled (from `values`, else a harmless value)."""
    values = values or {}
    if route.key.endswith(":*"):
        return "/" + route.route
    path = route.route.lstrip("^").rstrip("$")
    for kwarg, conv in route.converters:
        value = str(values.get(kwarg, CONVERTER_VALUES.get(conv) or "x"))
        path = re.sub(rf"<(\w+:)?{kwarg}>", value, path)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "x", path)
    return "/" + path


def api_url(op: Operation, values: dict[str, object] | None = None) -> str:
    values = values or {}
    return re.sub(r"\{(?:\w+:)?(\w+)\}", lambda m: str(values.get(m.group(1), 1)), op.path)


def sample_body(body: dict | None) -> dict:
    """A body that passes validation: each required property with a value of its type."""
    if not body:
        return {}
    out: dict[str, object] = {}
    for name in body.get("required", []):
        prop = resolve(body["properties"][name])
        kind = prop.get("type") or next(
            (resolve(a).get("type") for a in prop.get("anyOf", []) if resolve(a).get("type")),
            "string",
        )
        fmt = prop.get("format") or next(
            (a.get("format") for a in prop.get("anyOf", []) if a.get("format")), ""
        )
        if "enum" in prop:
            out[name] = prop["enum"][0]
        elif fmt in FORMAT_VALUES:
            out[name] = FORMAT_VALUES[fmt]
        else:
            out[name] = {"string": "x", "integer": 1, "number": 1, "boolean": False}.get(kind, [])
            if kind == "object":
                out[name] = {}
    return out
