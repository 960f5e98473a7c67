"""scope_subtree: what a county bureau's subtree costs on a city 10× the demo."""

from __future__ import annotations

import time

from django.db import connection

from bench.common import Bench, Figure

SCALE = 10


def _city(scale: int):
    from django.core.management import call_command

    from zoufang.campaigns.services import campaign_create_from_template
    from zoufang.org.demo import build_demo_org
    from zoufang.org.models import Unit

    if Unit.objects.exists():
        call_command("flush", interactive=False, verbosity=0)
    import datetime as dt

    campaign = campaign_create_from_template(start_date=dt.date(2026, 6, 21))
    t0 = time.perf_counter()
    build_demo_org(campaign=campaign, scale=scale)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ANALYZE")
        else:
            cur.execute("ANALYZE")
    return time.perf_counter() - t0


def _county_page_seconds(bench: Bench) -> float:
    from zoufang.core.roles import Role
    from zoufang.org import selectors
    from zoufang.org.models import Unit, User

    county = Unit.objects.get(code="411002")
    user, _ = User.objects.get_or_create(
        username="bench-county", defaults={"role": Role.COUNTY_ADMIN, "unit": county}
    )

    def list_page() -> None:
        # The people list pages without a total (core.paging.paginate_uncounted): the
        # first 50 rows and one more, to know whether a next page follows.
        qs = selectors.personnel_list(user)
        list(qs.values_list("pk", "name")[:51])

    return bench.median_seconds(list_page, repeat=30)


def scope_subtree(bench: Bench) -> Figure:
    from zoufang.core.roles import Role
    from zoufang.org import selectors
    from zoufang.org.models import Personnel, Unit, User

    _city(1)
    page_1x = _county_page_seconds(bench)
    build_seconds = _city(SCALE)
    county = Unit.objects.get(code="411002")
    user, _ = User.objects.get_or_create(
        username="bench-county", defaults={"role": Role.COUNTY_ADMIN, "unit": county}
    )
    beat = Unit.objects.filter(level=Unit.Level.BEAT).order_by("path").last()
    beat_user, _ = User.objects.get_or_create(
        username="bench-beat", defaults={"role": Role.COMMUNITY_OFFICER, "unit": beat}
    )
    one_pk = Personnel.objects.order_by("pk").values_list("pk", flat=True)[
        Personnel.objects.count() // 2
    ]

    def single_row() -> None:
        Personnel.objects.filter(pk=one_pk).values_list("name", flat=True).get()

    def list_page(u: User = user) -> None:
        qs = selectors.personnel_list(u)
        list(qs.values_list("pk", "name")[:51])

    def whole_subtree() -> None:
        list(Personnel.objects.visible_to(user).values_list("pk", flat=True))

    base = bench.median_seconds(single_row, repeat=50)
    page = bench.median_seconds(list_page, repeat=30)
    beat_page = bench.median_seconds(lambda: list_page(beat_user), repeat=30)
    whole = bench.median_seconds(whole_subtree, repeat=15)
    in_subtree = Personnel.objects.visible_to(user).count()
    plan = ""
    if connection.vendor == "postgresql":
        sql, params = Personnel.objects.visible_to(user).values_list("pk").query.sql_with_params()
        with connection.cursor() as cur:
            cur.execute("EXPLAIN " + sql, params)
            plan = " / ".join(r[0].strip() for r in cur.fetchall()[:3])
    else:
        sql, params = Personnel.objects.visible_to(user).values_list("pk").query.sql_with_params()
        with connection.cursor() as cur:
            cur.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " / ".join(str(r[-1]) for r in cur.fetchall())
    return Figure(
        ratio=page / base,
        value=page * 1000,
        unit="ms",
        baseline=f"indexed lookup of one personnel row by pk ({base * 1000:.3f} ms)",
        goal="≤ 3× a one-row lookup, and ≤ 2× growth from the 1× to the 10× city",
        extra={
            "city people": Personnel.objects.count(),
            "units": Unit.objects.count(),
            "county subtree people": in_subtree,
            "county list page ms (first 50 + 1, no count)": round(page * 1000, 3),
            "same page on the 1× demo city ms": round(page_1x * 1000, 3),
            "growth 1× → 10× city": round(page / page_1x, 2),
            "beat list page ms": round(beat_page * 1000, 3),
            "whole county subtree ids ms": round(whole * 1000, 3),
            "per subtree row µs": round(whole / max(in_subtree, 1) * 1e6, 3),
            "plan": plan,
            "build seconds": round(build_seconds, 1),
        },
    )


FIGURES = {"scope_subtree": scope_subtree}
