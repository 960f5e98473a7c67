"""The campaign's visit forms (城乡住户走访表, 企业门店走访表) read from `VisitForm.schema`.

Nothing here knows a question by name: a campaign adds a question to the schema and it is
rendered, checked and stored. A question may carry `registry` (the registry field it
updates), `finding` (the finding kind a non-empty answer raises), `show_if` (the code of a
yes/no question that must be "yes" for it to apply), `required`, `choices`, `sensitive`,
`opinion` (the answer is an opinion on police work, kept for research as `VisitOpinion`) and
`opinion_areas` (the multi-choice that names what those opinions are about).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from zoufang.campaigns.models import Campaign, VisitForm
from zoufang.core.masking import mask_id_number, mask_phone

TEXT_LIMIT = 2000
TYPES = {"text", "textarea", "bool", "choice", "multi", "id_number", "phone", "number", "rating"}

# Registry record types a place kind does not have: their questions do not apply there.
_NOT_HERE = {
    "household": {"shop", "enterprise", "org"},
    "shop": {"householder", "household", "enterprise"},
    "enterprise": {"householder", "household", "shop"},
    "community": {"householder", "household", "shop", "enterprise", "org"},
}


def form_for(campaign: Campaign, visit_kind: str) -> VisitForm | None:
    """The campaign's form that applies to this kind of visit (None: no form, e.g. 走村)."""
    for form in campaign.forms.all():
        if visit_kind in (form.applies_to or []):
            return form
    return None


def _applies(question: dict[str, Any], visit_kind: str) -> bool:
    head = str(question.get("registry", "")).partition(".")[0]
    return not head or head not in _NOT_HERE.get(visit_kind, set())


def sections(form: VisitForm | None, visit_kind: str) -> list[dict[str, Any]]:
    """The form's sections that apply to this kind of visit, each with its questions."""
    if form is None:
        return []
    out = []
    for section in form.schema.get("sections", []):
        questions = [
            q
            for q in section.get("questions", [])
            if q.get("type") in TYPES and _applies(q, visit_kind)
        ]
        if not questions:
            continue
        out.append({"title": section.get("title", ""), "questions": questions})
    return out


def questions(form: VisitForm | None, visit_kind: str) -> list[dict[str, Any]]:
    return [q for s in sections(form, visit_kind) for q in s["questions"]]


@dataclass
class CleanForm:
    answers: dict[str, Any] = field(default_factory=dict)  # stored (personal data masked)
    registry: dict[str, Any] = field(default_factory=dict)  # registry key -> clean value
    findings: list[dict[str, str]] = field(default_factory=list)  # kind, description
    errors: dict[str, str] = field(default_factory=dict)  # question code -> message
    id_numbers: list[str] = field(default_factory=list)  # every ID number entered, in full
    opinions: list[tuple[str, str]] = field(default_factory=list)  # (question code, text)
    opinion_areas: list[str] = field(default_factory=list)


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def _to_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"yes", "true", "1", "是", "on"}:
        return True
    if text in {"no", "false", "0", "否"}:
        return False
    raise ValueError


def clean_answers(
    form: VisitForm | None, visit_kind: str, raw: dict[str, Any], *, required: bool
) -> CleanForm:
    """Check each answer against its question. `required` is False when the visit did not
    happen (nobody home…): then nothing is required and nothing is applied."""
    from zoufang.registry import normalize as norm

    result = CleanForm()
    qs = questions(form, visit_kind)
    known = {q["code"] for q in qs}
    unknown = sorted(set(raw) - known)
    if unknown:
        result.errors["answers"] = _("Unknown questions: %(codes)s") % {"codes": ", ".join(unknown)}
    flags = _flags(qs, raw)
    for q in qs:
        code, kind, label = q["code"], q["type"], q.get("label", q["code"])
        value = raw.get(code)
        if isinstance(value, str):
            value = value.strip()
        if q.get("show_if") and flags.get(q["show_if"]) is not True:
            continue  # e.g. tenants when the house is not rented: not asked
        if _blank(value):
            if required and q.get("required"):
                result.errors[code] = _("“%(label)s” is required.") % {"label": label}
            continue
        try:
            clean, stored = _clean_value(q, value)
        except norm.Bad as exc:
            result.errors[code] = f"{label}: {exc}"
            continue
        except (ValueError, TypeError, InvalidOperation) as exc:
            message = _error_text(kind, exc)
            result.errors[code] = f"{label}: {message}" if message else label
            continue
        result.answers[code] = stored
        if kind == "id_number":
            result.id_numbers.append(clean)  # checked against the wanted (services.wanted)
        if not required:
            continue
        _research(q, clean, result)
        if q.get("registry"):
            result.registry[q["registry"]] = clean
        if q.get("finding") and (clean is True or (isinstance(clean, str) and clean)):
            text = clean if isinstance(clean, str) else label
            result.findings.append(
                {"kind": q["finding"], "description": f"{label}:{text}", "question": code}
            )
    return result


def _research(q: dict[str, Any], clean: Any, result: CleanForm) -> None:
    """Keep the opinions on police work (and what they are about) for the research."""
    if q.get("opinion") and isinstance(clean, str) and clean:
        result.opinions.append((q["code"], clean))
    if q.get("opinion_areas") and isinstance(clean, list):
        result.opinion_areas.extend(clean)


def _flags(qs: list[dict[str, Any]], raw: dict[str, Any]) -> dict[str, bool | None]:
    """The yes/no answers that other questions depend on (None: not a yes or a no)."""
    flags: dict[str, bool | None] = {}
    for q in qs:
        if q["type"] == "bool" and not _blank(raw.get(q["code"])):
            try:
                flags[q["code"]] = _to_bool(raw[q["code"]])
            except ValueError:
                flags[q["code"]] = None
    return flags


def _clean_value(q: dict[str, Any], value: Any) -> tuple[Any, Any]:
    """(the clean value, the value stored on the visit: personal data masked) of one answer;
    ValueError, TypeError, InvalidOperation or the registry parser's Bad when it is wrong."""
    from zoufang.registry import normalize as norm

    kind = q["type"]
    if kind in {"text", "textarea"}:
        clean = norm.clean_text(value) if kind == "text" else str(value)
        if len(clean) > TEXT_LIMIT:
            raise ValueError(_("At most %(n)s characters.") % {"n": TEXT_LIMIT})
        return clean, clean
    if kind == "bool":
        flag = _to_bool(value)
        return flag, flag
    if kind == "choice":
        if value not in q.get("choices", []):
            raise ValueError(_("Choose one of: %(choices)s") % {"choices": "、".join(q["choices"])})
        return value, value
    if kind == "multi":
        values = value if isinstance(value, list) else [value]
        if any(v not in q.get("choices", []) for v in values):
            raise ValueError(_("Choose from: %(choices)s") % {"choices": "、".join(q["choices"])})
        return values, values
    if kind == "id_number":
        number, _sex, _birth = norm.parse_id_number(str(value))
        return number, mask_id_number(number)
    if kind == "phone":
        phone = norm.parse_phone(str(value))
        return phone, mask_phone(phone)
    if kind == "number":
        number = Decimal(str(value))
        if number < 0 or not number.is_finite():
            raise ValueError(_("Enter a number of zero or more."))
        clean = int(number) if number == number.to_integral() else float(number)
        return clean, clean
    if kind == "rating":
        rating = int(value)
        if not 1 <= rating <= 5:
            raise ValueError(_("Give a rating from 1 to 5."))
        return rating, rating
    return value, value


def _error_text(kind: str, exc: Exception) -> str:
    """What to say about a wrong answer: our own message, never Python's."""
    message = str(exc) if str(exc) and not str(exc).startswith(("invalid", "could")) else ""
    if kind == "bool":
        return _("Answer yes or no.")
    if kind in {"number", "rating"} and not message:
        return _("Enter a number.")
    return message
