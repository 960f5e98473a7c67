"""Rules on a team's or a unit's record as a whole: nothing ever found, no visits for days,
findings left hanging. They read small tables (team tallies, open findings) every run."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Max, Q
from django.utils.translation import gettext_lazy as _
from scipy.stats import fisher_exact

from zoufang.campaigns.models import Phase
from zoufang.findings.models import OPEN_STATES, Finding
from zoufang.org.models import Team
from zoufang.patrol.models import RuleKind, SubjectKind, TeamTally
from zoufang.patrol.rules.base import Hit, Param, RuleType, Window, local, stamp


def county_of(path: str) -> str:
    """The county bureau's path of a unit path (city/county/…): peers are compared within it."""
    return "/".join(path.split("/")[:2]) + "/"


class NoProblems(RuleType):
    """A team whose visits raise nothing far more often than its peers: teams in beats of the
    same kind (community or village) in the same county bureau. One-sided Fisher exact test of
    (nothing raised, something raised) for the team against its peers together."""

    kind = RuleKind.NO_PROBLEMS
    summary = _(
        "%(quiet)s of %(visited)s visits found no problem (peers: %(peer_rate)s%%), p = %(p)s"
    )
    params = {
        "alpha": Param(_("Significance level"), 0.001, 0.000001, 0.2, float),
        "min_visits": Param(_("Fewest visits before a team is judged"), 30, 5, 100000),
    }

    def run(self, window: Window) -> Iterator[Hit]:
        tallies = list(TeamTally.objects.filter(campaign_id=self.campaign.pk))
        teams = Team.objects.in_bulk([t.team_id for t in tallies])
        groups: dict[tuple[str, str], list[TeamTally]] = defaultdict(list)
        for t in tallies:
            team = teams.get(t.team_id)
            if team is not None:
                groups[(county_of(team.unit_path), t.beat_kind)].append(t)
        for members in groups.values():
            total = sum(t.visited for t in members)
            quiet = sum(t.no_problems for t in members)
            for t in members:
                if t.visited < self.p["min_visits"]:
                    continue
                hit = self._test(t, teams[t.team_id], total - t.visited, quiet - t.no_problems)
                if hit is not None:
                    yield hit

    def _test(self, t: TeamTally, team: Team, peer_total: int, peer_quiet: int) -> Hit | None:
        if peer_total <= 0:
            return None
        table = [[t.no_problems, t.visited - t.no_problems], [peer_quiet, peer_total - peer_quiet]]
        _odds, p = fisher_exact(table, alternative="greater")
        if p >= self.p["alpha"]:
            return None
        return Hit(
            key=f"t:{t.team_id}",
            subject=SubjectKind.TEAM,
            unit_id=team.beat_id,
            unit_path=team.unit_path,
            team_id=t.team_id,
            args={
                "quiet": t.no_problems,
                "visited": t.visited,
                "peer_rate": round(100 * peer_quiet / peer_total, 1),
                "p": f"{p:.2g}",
            },
            evidence={"table": table, "p": p, "beat_kind": t.beat_kind},
        )


class IdleTeam(RuleType):
    kind = RuleKind.IDLE_TEAM
    summary = _("No visits for %(days)s days during concentrated visiting (last: %(last)s)")
    params = {"days": Param(_("Days without a visit"), 3, 1, 60)}

    def run(self, window: Window) -> Iterator[Hit]:
        today = local(window.now).date()
        phase = self.campaign.phases.filter(kind=Phase.Kind.VISITING).first()
        if phase is None or not (phase.start_date <= today <= phase.end_date):
            return
        days = int(self.p["days"])
        cutoff = window.now - dt.timedelta(days=days)
        phase_start = dt.datetime.combine(phase.start_date, dt.time(), local(window.now).tzinfo)
        last = dict(
            TeamTally.objects.filter(campaign_id=self.campaign.pk).values_list(
                "team_id", "last_visit_at"
            )
        )
        for team in Team.objects.filter(campaign=self.campaign).order_by("pk"):
            seen = last.get(team.pk)
            since = max(seen, phase_start) if seen else phase_start
            if since > cutoff:
                continue
            idle = (window.now - since).days
            yield Hit(
                key=f"t:{team.pk}|{local(seen).date().isoformat() if seen else 'never'}",
                subject=SubjectKind.TEAM,
                unit_id=team.beat_id,
                unit_path=team.unit_path,
                team_id=team.pk,
                args={"days": idle, "last": stamp(seen) if seen else "—"},
                evidence={"last_visit": stamp(seen)},
            )


class Hanging(RuleType):
    """棚架: a finding past its deadline that nobody has touched (no transition) for N days."""

    kind = RuleKind.HANGING
    summary = _(
        "Finding %(number)s is %(late)s days past its deadline, untouched for %(idle)s days"
    )
    params = {"days": Param(_("Days without a step after the deadline"), 3, 1, 90)}

    def run(self, window: Window) -> Iterator[Hit]:
        cutoff = window.now - dt.timedelta(days=int(self.p["days"]))
        rows = (
            Finding.objects.filter(
                campaign=self.campaign, state__in=OPEN_STATES, deadline__lt=cutoff
            )
            .annotate(last_step=Max("transitions__at"))
            .filter(Q(last_step__lt=cutoff) | Q(last_step__isnull=True))
            .values_list("pk", "number", "owner_unit_id", "owner_path", "deadline", "last_step")
        )
        for pk, number, unit_id, path, deadline, last_step in rows:
            touched = last_step or deadline
            yield Hit(
                key=f"f:{pk}|{local(touched).date().isoformat()}",
                subject=SubjectKind.FINDING,
                unit_id=unit_id,
                unit_path=path,
                finding_id=pk,
                args={
                    "number": number,
                    "late": (window.now - deadline).days,
                    "idle": (window.now - touched).days,
                },
                evidence={"deadline": stamp(deadline), "last_step": stamp(last_step)},
            )
