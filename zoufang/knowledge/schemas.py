from __future__ import annotations

import datetime as dt

from ninja import Schema


class EntryBriefOut(Schema):
    slug: str
    chapter: str
    title: str
    version: int
    updated_at: dt.datetime


class EntryOut(EntryBriefOut):
    say: str
    do: str
    how: str
    standard: str
    basis: str


class HitOut(Schema):
    slug: str
    chapter: str
    title: str
    score: float
