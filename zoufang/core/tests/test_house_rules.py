"""The house rules of docs/decisions/0004: modules stay small enough to read, functions short
enough to hold in one's head, and the bottom of the house (core, notifications) knows nothing of
the domain apps above it (import-linter checks the full layering in `make test`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "zoufang"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
# A function may be longer when a comment inside it, or on the line above it, says why.
LONG_OK = re.compile(r"#\s*long function:", re.IGNORECASE)
DOMAIN_IMPORT = re.compile(
    r"^\s*(from|import)\s+zoufang\.(org|campaigns|registry|visits|findings|home)\b", re.M
)


def _product_modules() -> list[Path]:
    return [
        p
        for p in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in p.parts and "tests" not in p.parts
    ]


def test_no_module_is_longer_than_600_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in _product_modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}, f"split these by concern: {long}"


def test_no_function_is_longer_than_80_lines_without_a_reason():
    long = []
    for path in _product_modules():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            length = node.end_lineno - start + 1
            if length <= MAX_FUNCTION_LINES:
                continue
            body = lines[max(start - 2, 0) : node.end_lineno]
            if not any(LONG_OK.search(line) for line in body):
                long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length})")
    assert long == [], "shorten these, or say why in a '# long function:' comment: " + ", ".join(
        long
    )


def test_core_and_notifications_import_no_domain_app():
    offenders = [
        str(p.relative_to(ROOT))
        for base in (PACKAGE / "core", PACKAGE / "notifications")
        for p in base.rglob("*.py")
        if "tests" not in p.parts and DOMAIN_IMPORT.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
