"""Organisation pages: the unit tree, people and teams. Interfaces only: scope, service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zoufang.core.paging import paginate, paginate_uncounted, render_results
from zoufang.core.replica import replica_reads
from zoufang.core.scope import user_manages, user_scope
from zoufang.offline.selectors import stale_queue_list
from zoufang.org import access, exports, selectors, services
from zoufang.org.forms import PersonnelForm, TeamMemberAddForm
from zoufang.org.models import Personnel, Unit


def _unit_filter(request: HttpRequest) -> Unit | None:
    unit_id = request.GET.get("unit")
    if unit_id and unit_id.isdigit():
        return access.get_unit_for_user(request.user, int(unit_id))
    return None


@login_required
def unit_tree(request: HttpRequest) -> HttpResponse:
    roots = selectors.unit_roots_for_user(request.user)
    return render(request, "org/unit_tree.html", {"roots": roots})


@login_required
def unit_children(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.get_unit_for_user(request.user, pk)
    children = selectors.unit_children(request.user, unit)
    return render(request, "org/unit_tree.html#children", {"unit": unit, "children": children})


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    unit = access.get_unit_for_user(user, pk)
    campaign = request.campaign()  # CurrentCampaignMiddleware
    people = selectors.personnel_list(user, unit=unit)
    teams = selectors.team_list(user, campaign=campaign, unit=unit)
    context = {
        "unit": unit,
        "ancestors": [a for a in unit.ancestors() if user_scope(user).contains(a.path)],
        "children": selectors.unit_children(user, unit),
        "people_count": people.count(),
        "team_count": teams.count(),
        "non_compliant_count": selectors.team_list(
            user, campaign=campaign, unit=unit, non_compliant=True
        ).count(),
        "community_officers": people.filter(post=Personnel.Post.COMMUNITY)[:20],
    }
    return render(request, "org/unit_detail.html", context)


@replica_reads
@login_required
def personnel_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    unit = _unit_filter(request)
    qs = selectors.personnel_list(
        user,
        search=request.GET.get("q", "").strip(),
        kind=request.GET.get("kind", ""),
        post=request.GET.get("post", ""),
        unit=unit,
    )
    if request.GET.get("export") == "xlsx":
        return exports.personnel_xlsx(request, qs)
    page = paginate_uncounted(request, qs)
    for p in page:
        p.shown_phone = access.shown_phone(user, p)
    context = {
        "page": page,
        "unit": unit,
        "kinds": Personnel.Kind.choices,
        "posts": Personnel.Post.choices,
        "can_add": access.may_add_personnel(user),
    }
    return render_results(request, "org/personnel_list.html", context)


@login_required
def personnel_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = access.get_personnel_for_user(request.user, pk)
    manages = user_manages(request.user, person.unit_path)
    memberships = person.memberships.select_related("team", "team__beat", "team__campaign")
    return render(
        request,
        "org/personnel_detail.html",
        {
            "person": person,
            "manages": manages,
            "memberships": memberships,
            "shown_phone": access.shown_phone(request.user, person),
        },
    )


@login_required
def personnel_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    if pk is None:
        if not access.may_add_personnel(user):
            raise PermissionDenied
        person = None
    else:
        person = access.get_personnel_for_user(user, pk, write=True)
    form = PersonnelForm(request.POST or None, instance=person, user=user)
    form._scope = user_scope(user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.personnel_save(person=form.save(commit=False))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": saved.name})
            return redirect("org:personnel_detail", pk=saved.pk)
    return render(request, "org/personnel_form.html", {"form": form, "person": person})


@replica_reads
@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    campaign = request.campaign()  # CurrentCampaignMiddleware
    non_compliant = request.GET.get("noncompliant") == "1"
    qs = selectors.team_list(
        user,
        campaign=campaign,
        search=request.GET.get("q", "").strip(),
        unit=_unit_filter(request),
        non_compliant=non_compliant,
    )
    if request.GET.get("export") == "xlsx":
        return exports.team_xlsx(request, qs)
    page = paginate(request, qs)
    for team in page:
        team.warnings = services.team_warnings(team)
    context = {
        "page": page,
        "non_compliant": non_compliant,
        # Members whose phone holds records unsent for over a day (zoufang.offline).
        "stale_queues": list(stale_queue_list(user)[:50]),
    }
    return render_results(request, "org/team_list.html", context)


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = access.get_team_for_user(request.user, pk)
    manages = user_manages(request.user, team.unit_path)
    members = list(selectors.team_members(team))
    for m in members:
        m.shown_phone = m.personnel.phone if manages else m.personnel.masked_phone
    context = {
        "team": team,
        "members": members,
        "warnings": services.team_warnings(team),
        "manages": manages,
        "add_form": TeamMemberAddForm(team=team) if manages else None,
    }
    return render(request, "org/team_detail.html", context)


@login_required
@require_POST
def team_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    team = access.get_team_for_user(request.user, pk, write=True)
    form = TeamMemberAddForm(request.POST, team=team)
    if form.is_valid():
        try:
            services.team_member_add(team=team, personnel=form.cleaned_data["personnel"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Member added."))
    else:
        messages.error(request, _("Choose a person of this station who is not yet in a team."))
    return redirect("org:team_detail", pk=team.pk)


@login_required
@require_POST
def team_member_remove(request: HttpRequest, pk: int, person_pk: int) -> HttpResponse:
    team = access.get_team_for_user(request.user, pk, write=True)
    person = access.get_personnel_for_user(request.user, person_pk)
    services.team_member_remove(team=team, personnel=person)
    messages.success(request, _("Member removed."))
    return redirect("org:team_detail", pk=team.pk)
