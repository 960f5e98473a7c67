"""The patrol's own indexes over the visits, brought up to date before the rules run: the time
slots (who was on which visit when) and the per-team tallies. Set-based (INSERT … SELECT and
one GROUP BY over the new visits only); table and column names come from the models' _meta."""

from __future__ import annotations

from django.db import connection, transaction

from zoufang.org.models import Team, Unit
from zoufang.patrol.models import IndexMark, TeamTally, VisitSlot
from zoufang.patrol.sql import analyze
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
        # The id range on both sides: without it on `v` the planner scans every visit.
        "WHERE m.visit_id > %s AND m.visit_id <= %s "
        "AND v.id > %s AND v.id <= %s AND v.campaign_id = %s"
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
        cursor.execute(members_sql, [since, upto, since, upto, campaign_id])
        added_members = cursor.rowcount
    analyze(VisitSlot._meta.db_table, added + added_members)
    _tallies_update(campaign_id, since, upto)
    mark.visit_id = upto
    mark.save(update_fields=["visit_id"])
    return added


def _tallies_update(campaign_id: int, since: int, upto: int) -> None:
    """Add the new visits to the per-team tallies in two statements: the teams seen for the
    first time get a row, then every team's row adds its new visits (UPDATE … FROM a grouped
    subquery; SQLite has it since 3.33). Through the ORM's bulk_update, 300 teams took
    seconds of expression building per run."""
    tally = TeamTally._meta.db_table
    visit = Visit._meta.db_table
    team, unit = Team._meta.db_table, Unit._meta.db_table
    new_visits = (
        "v.campaign_id = %s AND v.id > %s AND v.id <= %s AND v.outcome = %s "
        "AND v.team_id IS NOT NULL"
    )
    params = [campaign_id, since, upto, Outcome.VISITED.value]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {tally} (campaign_id, team_id, beat_kind, visited, no_problems) "  # noqa: S608 # nosec B608
            f"SELECT DISTINCT v.campaign_id, v.team_id, COALESCE(u.beat_kind, ''), 0, 0 "
            f"FROM {visit} v JOIN {team} tm ON tm.id = v.team_id "
            f"LEFT JOIN {unit} u ON u.id = tm.beat_id WHERE {new_visits} AND NOT EXISTS "
            f"(SELECT 1 FROM {tally} x WHERE x.campaign_id = v.campaign_id "
            "AND x.team_id = v.team_id)",
            params,
        )
        cursor.execute(
            f"UPDATE {tally} SET visited = {tally}.visited + s.n, "  # noqa: S608 # nosec B608
            f"no_problems = {tally}.no_problems + s.quiet, "
            f"last_visit_at = CASE WHEN {tally}.last_visit_at IS NULL "
            f"OR s.last > {tally}.last_visit_at THEN s.last ELSE {tally}.last_visit_at END "
            "FROM (SELECT v.team_id, COUNT(*) AS n, "
            "SUM(CASE WHEN v.finding_count = 0 THEN 1 ELSE 0 END) AS quiet, "
            f"MAX(v.started_at) AS last FROM {visit} v WHERE {new_visits} "
            f"GROUP BY v.team_id) s WHERE {tally}.campaign_id = %s AND {tally}.team_id = s.team_id",
            [*params, campaign_id],
        )
