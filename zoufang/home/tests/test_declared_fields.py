"""Forms and schemas list the fields they take (issue 17 part 2, decision 0049): no
`fields = "__all__"` anywhere (a ModelForm, a ModelAdmin, a ninja ModelSchema), no `exclude` in
a form's or schema's Meta (a field added to the model later would become writable), and no
schema that lets extra keys through (`extra = "allow"`). Read from the source, so a new file is
checked without being listed."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SOURCES = sorted(
    p
    for d in ("zoufang", "config")
    for p in (ROOT / d).rglob("*.py")
    if "migrations" not in p.parts and "/tests/" not in p.as_posix()
)


def _value(node: ast.AST) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _findings(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        # fields = "__all__" (a class attribute or a keyword such as fields="__all__")
        if isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if "fields" in names and _value(node.value) == "__all__":
                found.append((node.lineno, 'fields = "__all__"'))
            if "extra" in names and _value(node.value) == "allow":
                found.append((node.lineno, 'extra = "allow"'))
        if isinstance(node, ast.keyword):
            if node.arg in {"fields", "fields_optional"} and _value(node.value) == "__all__":
                found.append((node.value.lineno, f'{node.arg}="__all__"'))
            if node.arg == "extra" and _value(node.value) == "allow":
                found.append((node.value.lineno, 'extra="allow"'))
        # class Meta / Config: exclude = [...]
        if isinstance(node, ast.ClassDef) and node.name in {"Meta", "Config"}:
            for item in node.body:
                targets = item.targets if isinstance(item, ast.Assign) else []
                if any(isinstance(t, ast.Name) and t.id == "exclude" for t in targets):
                    found.append((item.lineno, f"exclude in class {node.name}"))
    return found


def test_no_form_or_schema_takes_all_fields_or_excludes_some():
    bad = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        bad += [f"{path.relative_to(ROOT)}:{line}: {what}" for line, what in _findings(tree)]
    assert not bad, "\n".join(bad)
    assert len(SOURCES) > 100


def test_the_check_sees_each_spelling():
    """It can fail: each forbidden spelling is found in a sample."""
    sample = """
class F(forms.ModelForm):
    class Meta:
        model = X
        fields = "__all__"

class G(forms.ModelForm):
    class Meta:
        model = X
        exclude = ["unit"]

class S(ModelSchema):
    class Meta:
        model = X
        fields = "__all__"

class Loose(Schema):
    model_config = ConfigDict(extra="allow")

Form = modelform_factory(X, fields="__all__")
"""
    found = [what for _, what in _findings(ast.parse(sample))]
    assert found.count('fields = "__all__"') == 2
    assert "exclude in class Meta" in found
    assert 'extra="allow"' in found
    assert 'fields="__all__"' in found
