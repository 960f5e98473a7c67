"""The demo city's patrol: the labelled set planted in its own county bureau (巡查样本分局),
then one full patrol run, so that supervisors find real flags in the queue (and the demo's own
visits are patrolled too). A few flags are decided and one notice is replied to, so the
rules page shows a dismissal rate and the notices page has each state."""

from __future__ import annotations

from typing import Any

from zoufang.core.roles import Role
from zoufang.org.models import User
from zoufang.patrol.labelled import build_labelled_set
from zoufang.patrol.models import Flag, FlagState, Notice
from zoufang.patrol.services.decide import flag_decide, notice_reply
from zoufang.patrol.services.run import patrol_run


def build(ctx: Any) -> None:
    """seed_demo's step (see zoufang.home.demo)."""
    labelled = build_labelled_set(ctx.campaign, ctx.org.city)
    run = patrol_run(campaign=ctx.campaign)
    _decide_a_few(ctx.campaign, labelled.county.path)
    ctx.built["patrol"] = {"flags": run.new_flags}
    ctx.say(
        f"patrol: labelled set of {len(labelled.expects)} cases in {labelled.county.name}; "
        f"{run.new_flags} flags raised"
    )


def _decide_a_few(campaign: Any, county_path: str) -> None:
    """A few decisions by a stand-in supervisor (the demo's logins are issued after the
    steps); afterwards the set's helper accounts lose their roles and cannot log in, so each
    role keeps exactly one demo login."""
    supervisor, _ = User.objects.get_or_create(
        username="demo_patrol_supervisor", defaults={"is_superuser": True, "is_active": False}
    )
    flags = Flag.objects.in_subtree(county_path).filter(campaign=campaign, state=FlagState.OPEN)
    picks = {f.rule.kind: f for f in flags.select_related("rule").order_by("pk")}
    for kind in ("min_duration", "photo_copy", "text_copy"):
        if kind in picks:
            flag_decide(actor=supervisor, flag=picks[kind], confirm=True, comment="核实属实,走过场")
    if "night" in picks:
        flag_decide(
            actor=supervisor, flag=picks["night"], confirm=False, comment="已核实为群众预约"
        )
    notice = Notice.objects.filter(flag__rule__kind="min_duration", campaign=campaign).first()
    replier = User.objects.filter(
        role=Role.COMMUNITY_OFFICER, unit=getattr(notice, "unit", None)
    ).first()
    if notice is not None and replier is not None:
        notice_reply(
            actor=replier,
            notice=notice,
            text="已组织重新入户走访,补录走访内容并对民警进行提醒谈话。",
        )
    User.objects.filter(username__startswith="patrol_sample_").update(role="", is_active=False)
