"""The supervisor's decision on a flag, the rectification notice it leads to, the unit's reply
and the re-check; and the office's changes to a rule. Each step writes its history row."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.notifications.services import notify
from zoufang.patrol import access
from zoufang.patrol.models import (
    Flag,
    FlagEvent,
    FlagState,
    Notice,
    NoticeEvent,
    NoticeState,
    Rule,
)
from zoufang.patrol.rules import KINDS

if TYPE_CHECKING:
    from zoufang.org.models import User

DEFAULT_NOTICE_DAYS = 7


@transaction.atomic
def flag_decide(
    *,
    actor: User,
    flag: Flag,
    confirm: bool,
    comment: str,
    deadline: dt.date | None = None,
    requirement: str = "",
) -> Flag:
    """Confirm (and send a rectification notice) or dismiss an open flag, with a comment."""
    if not access.may_decide(actor):
        raise PermissionDenied
    flag = Flag.objects.select_for_update().select_related("rule", "unit").get(pk=flag.pk)
    comment = (comment or "").strip()
    if flag.state != FlagState.OPEN:
        raise ValidationError(_("This flag has already been decided."))
    if not comment:
        raise ValidationError({"comment": _("Say why: a decision needs a comment.")})
    today = timezone.localdate()
    if confirm:
        deadline = deadline or today + dt.timedelta(days=DEFAULT_NOTICE_DAYS)
        if deadline < today:
            raise ValidationError({"deadline": _("The deadline cannot be in the past.")})
    new = FlagState.CONFIRMED if confirm else FlagState.DISMISSED
    FlagEvent.objects.create(
        flag=flag, from_state=flag.state, to_state=new, actor=actor, comment=comment
    )
    flag.state, flag.comment = new, comment
    flag.decided_by, flag.decided_at = actor, timezone.now()
    flag.save(update_fields=["state", "comment", "decided_by", "decided_at", "updated_at"])
    if confirm:
        _notice_issue(actor, flag, deadline, (requirement or "").strip() or comment)
    return flag


def _notice_issue(actor: User, flag: Flag, deadline: dt.date, requirement: str) -> Notice:
    notice = Notice.objects.create(
        flag=flag,
        campaign_id=flag.campaign_id,
        unit=flag.unit,
        unit_path=flag.unit_path,
        requirement=requirement,
        deadline=deadline,
        issued_by=actor,
    )
    NoticeEvent.objects.create(
        notice=notice, action="issue", to_state=notice.state, actor=actor, text=requirement
    )
    notify(
        kind="patrol.notice",
        title=_("Rectification notice: %(rule)s") % {"rule": flag.rule.get_kind_display()},
        body=_("Reply with what was done by %(deadline)s.") % {"deadline": deadline},
        url=reverse("patrol:notice_detail", args=[notice.pk]),
        units=[flag.unit, flag.unit.parent],
        managers_only=False,
    )
    return notice


@transaction.atomic
def notice_reply(*, actor: User, notice: Notice, text: str) -> Notice:
    """The unit says what it did; the notice waits for the supervisor's re-check."""
    if not access.may_reply(actor, notice):
        raise PermissionDenied
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    text = (text or "").strip()
    if notice.state == NoticeState.CLOSED:
        raise ValidationError(_("This notice is closed."))
    if len(text) < 5:
        raise ValidationError({"reply": _("Say what was done (at least five characters).")})
    NoticeEvent.objects.create(
        notice=notice,
        action="reply",
        from_state=notice.state,
        to_state=NoticeState.REPLIED,
        actor=actor,
        text=text,
    )
    notice.state, notice.reply, notice.replied_at = NoticeState.REPLIED, text, timezone.now()
    notice.save(update_fields=["state", "reply", "replied_at", "updated_at"])
    if notice.issued_by_id:
        notify(
            kind="patrol.notice_replied",
            title=_("A unit replied to a rectification notice"),
            url=reverse("patrol:notice_detail", args=[notice.pk]),
            users=[notice.issued_by_id],
        )
    return notice


@transaction.atomic
def notice_recheck(*, actor: User, notice: Notice, close: bool, note: str) -> Notice:
    """The supervisor's re-check: close the notice, or re-open it with what is still missing."""
    if not access.may_decide(actor):
        raise PermissionDenied
    notice = Notice.objects.select_for_update().select_related("unit").get(pk=notice.pk)
    note = (note or "").strip()
    if notice.state != NoticeState.REPLIED:
        raise ValidationError(_("Only a notice the unit has replied to can be re-checked."))
    if not note:
        raise ValidationError({"note": _("Write what the re-check found.")})
    new = NoticeState.CLOSED if close else NoticeState.OPEN
    NoticeEvent.objects.create(
        notice=notice,
        action="close" if close else "reopen",
        from_state=notice.state,
        to_state=new,
        actor=actor,
        text=note,
    )
    notice.state, notice.recheck_note = new, note
    notice.closed_at = timezone.now() if close else None
    notice.save(update_fields=["state", "recheck_note", "closed_at", "updated_at"])
    if not close:
        notify(
            kind="patrol.notice_reopened",
            title=_("A rectification notice was re-opened"),
            body=note,
            url=reverse("patrol:notice_detail", args=[notice.pk]),
            units=[notice.unit],
            managers_only=False,
        )
    return notice


@transaction.atomic
def rule_update(*, actor: User, rule: Rule, enabled: bool, params: dict[str, Any]) -> Rule:
    """New thresholds for a rule (checked against each one's range) and whether it runs."""
    if not access.may_edit_rules(actor):
        raise PermissionDenied
    cleaned = KINDS[rule.kind].clean(params)
    rule.params, rule.enabled = cleaned, enabled
    rule.save(update_fields=["params", "enabled", "updated_at"])
    return rule
