"""A visit's page (its answers, sensitive ones restricted) and its photos."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from zoufang.visits import access, formschema, selectors
from zoufang.visits.models import Visit, VisitPhoto


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from zoufang.findings.models import Finding

    visit = access.get_visit_for_user(request.user, pk)
    show_sensitive = access.may_read_sensitive(request.user, visit)
    findings = (
        Finding.objects.visible_to(request.user)
        .filter(visit_id=visit.pk)
        .select_related("kind", "kind__parent")
    )
    return render(
        request,
        "visits/visit_detail.html",
        {
            "visit": visit,
            "answers": _answers(visit, show_sensitive),
            "members": visit.members.select_related("personnel"),
            "topics": visit.topics.select_related("item"),
            "leaflets": visit.leaflets.select_related("item"),
            "photos": visit.photos.all(),
            "findings": findings,
            "show_sensitive": show_sensitive,
            "focuses": visit.focuses.select_related("item").order_by("item__order"),
            "wanted": selectors.wanted_alerts(request.user, visit),
        },
    )


def _answers(visit: Visit, show_sensitive: bool) -> list[tuple[str, list]]:
    """(section title, [(question, answer as shown)]) for the sections the visit answered."""
    answers = []
    for s in formschema.sections(visit.form, visit.kind):
        rows = []
        for q in s["questions"]:
            if q["code"] not in visit.answers:
                continue
            value = visit.answers[q["code"]]
            if q.get("sensitive") and not show_sensitive:
                value = _("(restricted)")
            elif value is True:
                value = _("Yes")
            elif value is False:
                value = _("No")
            elif isinstance(value, list):
                value = "、".join(value)
            rows.append((q.get("label", q["code"]), value))
        if rows:
            answers.append((s["title"], rows))
    return answers


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A visit photo, served only to users who may see the visit."""
    item = VisitPhoto.objects.select_related("visit").filter(pk=pk).first()
    if item is None or item.visit is None:
        raise Http404
    access.get_visit_for_user(request.user, item.visit_id)
    return FileResponse(item.image.open("rb"), content_type=item.content_type)
