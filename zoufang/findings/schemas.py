from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from ninja import Schema

from zoufang.core.api import Count, Id


class FindingIn(Schema):
    kind: str
    description: str
    beat_id: Id | None = None
    place_id: Id | None = None
    place_text: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    grade: str | None = None
    resident_name: str = ""
    resident_phone: str = ""
    client_uuid: uuid.UUID | None = None
    visit_id: Id | None = None
    link_to: Id | None = None


class FindingRef(Schema):
    id: int
    number: str
    restricted: bool = False


class FindingOut(Schema):
    id: int
    number: str
    restricted: bool
    kind: str | None = None
    kind_name: str | None = None
    description: str | None = None
    state: str | None = None
    state_label: str | None = None
    grade: str | None = None
    beat_id: int | None = None
    place_text: str | None = None
    owner_unit_id: int | None = None
    owner_unit_name: str | None = None
    owner_department: str | None = None
    co_handlers: str | None = None
    assignee_id: int | None = None
    deadline: dt.datetime | None = None
    is_overdue: bool | None = None
    supervised: bool | None = None
    resident_name: str | None = None
    resident_phone: str | None = None
    version: int | None = None
    created_at: dt.datetime | None = None


class FindingCreatedOut(Schema):
    created: bool
    linked: bool
    finding: FindingOut
    possible_duplicates: list[FindingRef]


class TransitionIn(Schema):
    action: str
    version: Count
    comment: str = ""
    kind: str | None = None
    grade: str | None = None
    assignee_id: Id | None = None
    unit_id: Id | None = None
    deadline: dt.datetime | None = None
    satisfied: bool | None = None


class TransitionOut(Schema):
    action: str
    label: str
    from_state: str
    to_state: str
    actor: str | None
    at: dt.datetime
    comment: str


class FindingDetailOut(FindingOut):
    allowed_actions: list[str] = []
    timeline: list[TransitionOut] = []


class KindOut(Schema):
    code: str
    name: str
    parent: str | None
    department: str | None
    sensitive: bool
    default_grade: str
