"""Input and output shapes of the supervision API."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class VerificationTaskOut(Schema):
    id: int
    state: str
    beat_id: int
    beat_name: str
    address: str
    visit_id: int
    visit_kind: str
    visit_started_at: dt.datetime
    supervisor_id: int | None
    method: str
    happened: bool | None
    facts_right: bool | None
    satisfaction: str


class VerificationIn(Schema):
    method: str = Field(..., description="on_site or phone")
    happened: bool
    facts_right: bool | None = None
    satisfaction: str = Field(
        "", description="satisfied, basic or dissatisfied; required when the visit happened"
    )
    note: str = Field("", max_length=2000)


class ScoreRowOut(Schema):
    rank: int
    unit_id: int
    unit_name: str
    team_id: int | None
    score: float | None
    values: dict[str, float]


class PhaseFocusOut(Schema):
    phase: str | None
    pages: list[str] = Field(
        ..., description="supervision pages in the order the phase puts them first"
    )
