from __future__ import annotations

from ninja import Schema


class TokenIn(Schema):
    username: str
    password: str
    device: str = ""
    # The code of the authenticator app (or a recovery code): required for users with one.
    otp: str = ""


class TokenOut(Schema):
    token: str
    expires_at: str
    username: str


class UnitOut(Schema):
    id: int
    code: str
    name: str
    level: int
    level_label: str
    parent_id: int | None
    path: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    unit: UnitOut | None
    department: str | None
    campaign_wide: bool
    personnel_id: int | None


class PersonnelOut(Schema):
    id: int
    name: str
    kind: str
    post: str
    police_number: str | None
    phone: str
    unit_id: int
    unit_name: str
    work_unit_id: int
    department: str | None
    year_joined: int


class TeamMemberOut(Schema):
    personnel_id: int
    name: str
    kind: str
    post: str
    years_of_service: int


class TeamWarningOut(Schema):
    code: str
    message: str


class TeamOut(Schema):
    id: int
    name: str
    beat_id: int
    beat_name: str
    leader_id: int | None
    member_count: int
    warnings: list[TeamWarningOut]


class TeamDetailOut(TeamOut):
    members: list[TeamMemberOut]
