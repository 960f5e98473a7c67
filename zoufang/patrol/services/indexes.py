"""The patrol's own indexes over the visits, brought up to date before the rules run: the time
slots (who was on which visit when) and the per-team tallies. Set-based (INSERT … SELECT and
one GROUP BY over the new visits only); table and column names come from the models' _meta."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count, Max, Q

from zoufang.org.models import Team
from zoufang.patrol.models import IndexMark, TeamTally, VisitSlot
from zoufang.visits.models import Outcome, Visit, VisitMember

_SLOT_COLUMNS = "campaign_id, visit_id, team_id, personnel_id, started_at, ended_at"


def _sql() -> tuple[str, str]:
    slot = VisitSlot._meta.db_table
    visit = Visit._meta.db_table
    member = VisitMember._meta.db_table
    teams = (
        f"INSERT INTO {slot} ({_SLOT_COLUMNS}) "  # noqa: S608 - names from _meta # nosec B608
        f"SELECT v.campaign_id, v.id, v.team_id, NULL, v.started_at, v.ended_at FROM {visit} v "
        "WHERE v.campaign_id = %s AND v.id > %s AND v.id <= %s AND v.outcome = %s "
        "AND v.team_id IS NOT NULL"
    )
    members = (
        f"INSERT INTO {slot} ({_SLOT_COLUMNS}) "  # noqa: S608 - names from _meta # nosec B608
        f"SELECT v.campaign_id, v.id, NULL, m.personnel_id, v.started_at, v.ended_at "
        f"FROM {member} m JOIN {visit} v ON v.id = m.visit_id "
        "WHERE m.visit_id > %s AND m.visit_id <= %s AND v.campaign_id = %s"
    )
    return teams, members


@transaction.atomic
def indexes_update(campaign_id: int, upto: int) -> int:
    """Add the visits with id in (mark, upto] to the slots and tallies; returns how many."""
    mark, _created = IndexMark.objects.select_for_update().get_or_create(campaign_id=campaign_id)
    since = mark.visit_id
    if upto <= since:
        return 0
    teams_sql, members_sql = _sql()
    with connection.cursor() as cursor:
        cursor.execute(teams_sql, [campaign_id, since, upto, Outcome.VISITED.value])
        added = cursor.rowcount
        cursor.execute(members_sql, [since, upto, campaign_id])
    _tallies_update(campaign_id, since, upto)
    mark.visit_id = upto
    mark.save(update_fields=["visit_id"])
    return added


def _tallies_update(campaign_id: int, since: int, upto: int) -> None:
    rows = (
        Visit.objects.filter(
            campaign_id=campaign_id,
            pk__gt=since,
            pk__lte=upto,
            outcome=Outcome.VISITED,
            team_id__isnull=False,
        )
        .order_by()
        .values("team_id")
        .annotate(
            visited=Count("pk"),
            quiet=Count("pk", filter=Q(finding_count=0)),
            last=Max("started_at"),
        )
    )
    fresh = {r["team_id"]: r for r in rows}
    if not fresh:
        return
    known = {
        t.team_id: t
        for t in TeamTally.objects.filter(campaign_id=campaign_id, team_id__in=list(fresh))
    }
    kinds = dict(Team.objects.filter(pk__in=list(fresh)).values_list("pk", "beat__beat_kind"))
    new, changed = [], []
    for team_id, r in fresh.items():
        tally = known.get(team_id)
        if tally is None:
            tally = TeamTally(campaign_id=campaign_id, team_id=team_id)
            tally.beat_kind = kinds.get(team_id) or ""
            new.append(tally)
        else:
            changed.append(tally)
        tally.visited += r["visited"]
        tally.no_problems += r["quiet"]
        if tally.last_visit_at is None or r["last"] > tally.last_visit_at:
            tally.last_visit_at = r["last"]
    TeamTally.objects.bulk_create(new, batch_size=1000)
    TeamTally.objects.bulk_update(
        changed, ["visited", "no_problems", "last_visit_at"], batch_size=1000
    )
