"""Campaign roles (the seed's 领导小组, 办公室/工作专班, 督导组 and the line units' roles).

They live in core because the jurisdiction scope is computed from them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEADER = "leader", _("Leadership group leader")
    DEPUTY_LEADER = "deputy_leader", _("Leadership group deputy leader")
    LEADERSHIP_MEMBER = "leadership_member", _("Leadership group member")
    OFFICE = "office", _("Campaign office")
    WORKING_TEAM = "working_team", _("Working team")
    SUPERVISOR = "supervisor", _("Supervision group")
    COUNTY_ADMIN = "county_admin", _("County bureau administrator")
    STATION_CHIEF = "station_chief", _("Station chief")
    COMMUNITY_OFFICER = "community_officer", _("Community officer")
    TEAM_MEMBER = "team_member", _("Team member")
    RESEARCHER = "researcher", _("Department researcher")
    # Reads the audit trail and nothing else (issue 17; zoufang.core.middleware keeps them there).
    AUDITOR = "auditor", _("Auditor")


# Roles that see the whole campaign (the seed: leadership, office and supervisors).
CAMPAIGN_WIDE_ROLES = frozenset(
    {
        Role.LEADER,
        Role.DEPUTY_LEADER,
        Role.LEADERSHIP_MEMBER,
        Role.OFFICE,
        Role.WORKING_TEAM,
        Role.SUPERVISOR,
    }
)
LEADERSHIP_ROLES = frozenset({Role.LEADER, Role.DEPUTY_LEADER, Role.LEADERSHIP_MEMBER})

# Roles anchored at a unit, with the unit level they must be anchored at.
UNIT_ROLE_LEVELS = {
    Role.COUNTY_ADMIN: 2,
    Role.STATION_CHIEF: 3,
    Role.COMMUNITY_OFFICER: 4,
    Role.TEAM_MEMBER: 4,
}

# Roles that may change setup data (people, teams, units) inside their scope.
MANAGER_ROLES = frozenset({Role.OFFICE, Role.WORKING_TEAM, Role.COUNTY_ADMIN, Role.STATION_CHIEF})

# Roles that may read the audit trail.
AUDIT_ROLES = frozenset({Role.OFFICE, Role.WORKING_TEAM, Role.SUPERVISOR, Role.AUDITOR})

# Roles that must log in with a second factor (TOTP or a recovery code): they see the whole
# campaign, administer a county, or read the audit trail (issue 17). Superusers too. Every
# other user may enrol from their account page.
TWO_FACTOR_ROLES = frozenset(
    {*LEADERSHIP_ROLES, Role.OFFICE, Role.WORKING_TEAM, Role.SUPERVISOR, Role.COUNTY_ADMIN}
    | {Role.AUDITOR}
)

# Roles that may open the admin site (/admin), with the staff flag: the administrators and the
# office (issue 17). Station chiefs edit their people and teams on the pages.
ADMIN_SITE_ROLES = frozenset({Role.OFFICE, Role.WORKING_TEAM, Role.COUNTY_ADMIN})
