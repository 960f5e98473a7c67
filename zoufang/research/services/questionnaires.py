"""Questionnaires: written by the office as text, published to officers in a unit's subtree
(问计民警) or to the leadership group (问计班子), answered once per invitee before the closing
date. An anonymous questionnaire keeps no link from an answer to a person
(docs/decisions/0026-questionnaire-anonymity.md): the response row has no user column, a
random id and the day only, and nothing is logged when someone answers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.core.roles import LEADERSHIP_ROLES, UNIT_ROLE_LEVELS
from zoufang.notifications.services import notify
from zoufang.research.models import (
    Answer,
    Invitation,
    NamedResponse,
    Question,
    Questionnaire,
    Response,
)

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign
    from zoufang.org.models import User

MAX_QUESTIONS = 60
MAX_TEXT_ANSWER = 2000
# The kinds as written in the questions text, Chinese or English: "[单选] 问题".
KIND_WORDS = {
    "单选": Question.Kind.SINGLE,
    "single": Question.Kind.SINGLE,
    "多选": Question.Kind.MULTI,
    "multi": Question.Kind.MULTI,
    "量表": Question.Kind.SCALE,
    "评分": Question.Kind.SCALE,
    "scale": Question.Kind.SCALE,
    "文本": Question.Kind.TEXT,
    "问答": Question.Kind.TEXT,
    "text": Question.Kind.TEXT,
}
_HEAD = re.compile(r"^\[\s*([^\]\s?]+)\s*(\d+)?\s*(\?|？)?\s*\]\s*(.*)$")


@dataclass
class ParsedQuestion:
    kind: str
    text: str
    required: bool = True
    scale_max: int = 5
    choices: list[str] = field(default_factory=list)
    line: int = 0


def questions_parse(source: str) -> list[ParsedQuestion]:
    """Questions written one block each: a head line `[单选] text` (`[多选]`, `[量表]` or
    `[量表 10]`, `[文本]`; a `?` after the kind makes it optional), then one choice per line
    for choice questions. Every error at once, each with its line number."""
    questions: list[ParsedQuestion] = []
    errors: list[str] = []
    for number, raw in enumerate((source or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        head = _HEAD.match(line)
        if head:
            kind = KIND_WORDS.get(head[1].lower())
            if kind is None:
                errors.append(
                    _("Line %(n)s: unknown question kind “%(k)s” (use 单选, 多选, 量表 or 文本).")
                    % {"n": number, "k": head[1]}
                )
                continue
            text = head[4].strip()
            if not text:
                errors.append(_("Line %(n)s: the question has no text.") % {"n": number})
            scale = int(head[2]) if head[2] else 5
            if kind == Question.Kind.SCALE and not 2 <= scale <= 10:
                errors.append(_("Line %(n)s: a scale has 2 to 10 points.") % {"n": number})
            questions.append(ParsedQuestion(kind, text[:300], head[3] is None, scale, [], number))
            continue
        if not questions:
            errors.append(
                _("Line %(n)s: start with a question such as “[单选] 问题”.") % {"n": number}
            )
            continue
        q = questions[-1]
        if q.kind not in (Question.Kind.SINGLE, Question.Kind.MULTI):
            errors.append(_("Line %(n)s: only choice questions have choices.") % {"n": number})
            continue
        choice = line.lstrip("-·•*").strip()[:100]
        if choice in q.choices:
            errors.append(
                _("Line %(n)s: the choice “%(c)s” is there twice.") % {"n": number, "c": choice}
            )
        elif choice:
            q.choices.append(choice)
    for q in questions:
        if q.kind in (Question.Kind.SINGLE, Question.Kind.MULTI) and len(q.choices) < 2:
            errors.append(
                _("Line %(n)s: a choice question needs at least two choices.") % {"n": q.line}
            )
    if not questions and not errors:
        errors.append(_("A questionnaire needs at least one question."))
    if len(questions) > MAX_QUESTIONS:
        errors.append(_("At most %(n)s questions.") % {"n": MAX_QUESTIONS})
    if errors:
        raise ValidationError({"questions": errors})
    return questions


def questions_source(questionnaire: Questionnaire) -> str:
    """The questions written back as text (the edit form shows them so)."""
    names = {
        Question.Kind.SINGLE: "单选",
        Question.Kind.MULTI: "多选",
        Question.Kind.SCALE: "量表",
        Question.Kind.TEXT: "文本",
    }
    lines = []
    for q in questionnaire.questions.all():
        scale = f" {q.scale_max}" if q.kind == Question.Kind.SCALE and q.scale_max != 5 else ""
        lines.append(f"[{names[q.kind]}{scale}{'' if q.required else '?'}] {q.text}")
        lines += [f"- {c}" for c in q.choices]
        lines.append("")
    return "\n".join(lines).strip()


@transaction.atomic
def questionnaire_save(
    *,
    actor: User,
    campaign: Campaign,
    data: dict[str, Any],
    questions_text: str,
    questionnaire: Questionnaire | None = None,
) -> Questionnaire:
    """Create or change a draft questionnaire and its questions."""
    if questionnaire is not None and questionnaire.state != Questionnaire.State.DRAFT:
        raise ValidationError(_("A published questionnaire cannot be changed."))
    errors: dict[str, Any] = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = _("Give the questionnaire a title.")
    closes_on = data.get("closes_on")
    if closes_on is None:
        errors["closes_on"] = _("Give a closing date.")
    elif closes_on < timezone.localdate():
        errors["closes_on"] = _("The closing date %(d)s is in the past.") % {"d": closes_on}
    audience = data.get("audience")
    if audience not in Questionnaire.Audience.values:
        errors["audience"] = _("Choose whom to ask.")
    try:
        parsed = questions_parse(questions_text)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        parsed = []
    if errors:
        raise ValidationError(errors)
    q = questionnaire or Questionnaire(campaign=campaign, created_by=actor)
    q.title, q.intro, q.audience = title[:200], (data.get("intro") or "").strip(), audience
    q.unit = data.get("unit") if audience == Questionnaire.Audience.OFFICERS else None
    q.anonymous, q.closes_on = bool(data.get("anonymous")), closes_on
    q.save()
    q.questions.all().delete()
    Question.objects.bulk_create(
        Question(
            questionnaire=q,
            position=i,
            kind=p.kind,
            text=p.text,
            choices=p.choices,
            scale_max=p.scale_max,
            required=p.required,
        )
        for i, p in enumerate(parsed)
    )
    return q


def recipients(questionnaire: Questionnaire) -> list[User]:
    """Who is asked: the active leadership accounts, or the active accounts of the line
    roles (county, station, beat) anchored in the unit's subtree (the whole city if none)."""
    users = get_user_model().objects.filter(is_active=True).select_related("unit")
    if questionnaire.audience == Questionnaire.Audience.LEADERSHIP:
        return list(users.filter(role__in=LEADERSHIP_ROLES))
    users = users.filter(role__in=list(UNIT_ROLE_LEVELS), unit__isnull=False)
    if questionnaire.unit_id:
        from zoufang.core.scope import subtree_q

        users = users.filter(subtree_q("unit__path", questionnaire.unit.path))
    return list(users)


@transaction.atomic
def questionnaire_publish(*, actor: User, questionnaire: Questionnaire) -> int:
    """Publish a draft: every recipient gets an invitation. Returns how many."""
    q = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if q.state != Questionnaire.State.DRAFT:
        raise ValidationError(_("This questionnaire is already published."))
    if not q.questions.exists():
        raise ValidationError(_("A questionnaire needs at least one question."))
    if q.closes_on < timezone.localdate():
        raise ValidationError(
            _("The closing date %(d)s is in the past: change it before publishing.")
            % {"d": q.closes_on}
        )
    people = recipients(q)
    if not people:
        raise ValidationError(
            _("Nobody would receive this questionnaire: no active accounts in that audience.")
        )
    Invitation.objects.bulk_create(
        Invitation(questionnaire=q, user=u, unit_path=u.unit.path if u.unit_id else "")
        for u in people
    )
    q.state = Questionnaire.State.PUBLISHED
    q.published_at = timezone.now()
    q.save(update_fields=["state", "published_at"])
    # The invitees hear of it through the bell (the page: /research/questionnaires/).
    notify(
        kind="questionnaire",
        title=_("Questionnaire to answer: %(title)s (closes %(d)s)")
        % {"title": q.title, "d": q.closes_on},
        url=reverse("research:questionnaire", args=[q.pk]),
        users=people,
    )
    questionnaire.state, questionnaire.published_at = q.state, q.published_at
    return len(people)


def _clean_answer(question: Question, values: list[str]) -> Answer | str | None:
    """An unsaved Answer, an error message, or None (an optional question left empty)."""
    values = [v.strip() for v in values if v and v.strip()]
    if not values:
        return _("Please answer this question.") if question.required else None
    if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTI):
        if question.kind == Question.Kind.SINGLE and len(values) > 1:
            return _("Choose one answer.")
        if any(v not in question.choices for v in values):
            return _("Choose among the answers offered.")
        return Answer(question=question, choices=list(dict.fromkeys(values)))
    if question.kind == Question.Kind.SCALE:
        try:
            number = int(values[0])
        except ValueError:
            number = 0
        if not 1 <= number <= question.scale_max:
            return _("Choose a point from 1 to %(n)s.") % {"n": question.scale_max}
        return Answer(question=question, number=number)
    text = values[0]
    if len(text) > MAX_TEXT_ANSWER:
        return _("At most %(n)s characters.") % {"n": MAX_TEXT_ANSWER}
    return Answer(question=question, text=text)


@transaction.atomic
def response_submit(
    *,
    user: User,
    questionnaire: Questionnaire,
    answers: dict[int, list[str]],
    today: dt.date | None = None,
) -> Response:
    """Record `user`'s answers (question id → the values sent). Refused when the user was not
    asked (404), already answered, or the questionnaire is closed; a ValidationError by
    question id otherwise. Nothing here is logged."""
    today = today or timezone.localdate()
    questionnaire = Questionnaire.objects.get(pk=questionnaire.pk)
    invitation = (
        Invitation.objects.select_for_update()
        .filter(questionnaire=questionnaire, user=user)
        .first()
    )
    if invitation is None or questionnaire.state != Questionnaire.State.PUBLISHED:
        raise Http404
    if invitation.answered:
        raise ValidationError(_("You have already answered this questionnaire."))
    if today > questionnaire.closes_on:
        raise ValidationError(
            _("This questionnaire closed on %(d)s; answers are no longer accepted.")
            % {"d": questionnaire.closes_on}
        )
    cleaned, errors = [], {}
    for question in questionnaire.questions.all():
        result = _clean_answer(question, answers.get(question.pk, []))
        if isinstance(result, str):
            errors[str(question.pk)] = result
        elif result is not None:
            cleaned.append(result)
    if errors:
        raise ValidationError(errors)
    response = Response.objects.create(questionnaire=questionnaire, answered_on=today)
    for a in cleaned:
        a.response = response
    Answer.objects.bulk_create(cleaned)
    if not questionnaire.anonymous:
        NamedResponse.objects.create(response=response, user=user)
    invitation.answered = True
    invitation.save(update_fields=["answered"])
    return response
