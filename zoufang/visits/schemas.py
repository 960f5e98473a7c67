from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import WithJsonSchema

from zoufang.core.api import Count, Id

# An appointment's time of day, local to the campaign (Asia/Shanghai), without an offset:
# "09:00:00". Declared as the pattern it is; OpenAPI's `format: time` means RFC 3339's
# full-time, which requires an offset ("09:00:00+08:00") this field never had.
LocalTime = Annotated[
    dt.time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?$",
            "description": "local time of day (Asia/Shanghai), HH:MM:SS, no offset",
        }
    ),
]


class TaskOut(Schema):
    id: int
    kind: str
    kind_label: str
    address: str
    batch: str
    beat_id: int
    place_id: int | None
    team_id: int | None
    state: str
    state_label: str
    attempts: int
    retry_off_hours: bool
    method: str
    appointment_date: dt.date | None
    appointment_start: LocalTime | None
    appointment_end: LocalTime | None
    form_code: str | None


class SpotFindingIn(Schema):
    kind: str
    description: str
    grade: str = ""


class VisitIn(Schema):
    client_uuid: uuid.UUID = Field(description="generated on the phone; resend it unchanged")
    task_id: Id
    outcome: str = Field(description="visited, nobody_home, refused, not_found, demolished, vacant")
    started_at: dt.datetime
    ended_at: dt.datetime
    members: list[Id] = Field(description="personnel ids of the team members present")
    method: str = ""
    latitude: float | None = None
    longitude: float | None = None
    gps_accuracy: Count | None = None
    answers: dict[str, Any] = Field(default_factory=dict, description="question code → answer")
    note: str = ""
    topics: list[str] = Field(default_factory=list, description="topic codes explained")
    leaflets: dict[str, Count] = Field(default_factory=dict, description="leaflet code → number")
    findings: list[SpotFindingIn] = Field(default_factory=list)
    focuses: list[str] = Field(
        default_factory=list,
        description="inspection focus codes (排查重点) the visit inspected, from GET /forms; "
        "only for outcome visited",
    )


class VisitOut(Schema):
    id: int
    client_uuid: uuid.UUID
    task_id: int
    task_state: str
    outcome: str
    started_at: dt.datetime
    ended_at: dt.datetime
    team_id: int | None
    members: list[int]
    topic_count: int
    leaflet_count: int
    finding_count: int
    photo_count: int
    finding_ids: list[int]
    call_in: bool = Field(
        description="true: show the recorder the neutral prompt to call the station now "
        "(something entered on the visit needs checking); nothing more is said"
    )


class PhotoOut(Schema):
    id: int
    client_uuid: uuid.UUID
    visit_uuid: uuid.UUID
    visit_id: int | None
    size: int
    content_type: str


class VisitFindingIn(Schema):
    client_uuid: uuid.UUID
    kind: str
    description: str
    grade: str = ""


class VisitFindingOut(Schema):
    id: int
    number: str
    visit_id: int
    kind: str
    state: str


class FormOut(Schema):
    code: str
    name: str
    applies_to: list[str]
    version: int
    sections: list[dict[str, Any]]
    focuses: list[dict[str, str]] = Field(
        description="the inspection focuses (code, name) every visit of this form records"
    )


class CountsOut(Schema):
    places: int
    visited: int
    not_reached: int
    refused: int
    address_problems: int
    not_attempted: int
    visited_rate: float


class CoverageRowOut(Schema):
    unit_id: int | None
    name: str
    total: CountsOut
    by_kind: dict[str, CountsOut]


class CoverageOut(Schema):
    unit: CoverageRowOut
    children: list[CoverageRowOut]
    compliance_rate: float
    avg_topics: float
    leaflets: int
