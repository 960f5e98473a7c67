"""Pages of the research topics: the department overview, a topic with its activities and
problems, the report and its review, the public's words. Thin: access → service → render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zoufang.campaigns.services import request_campaign
from zoufang.findings.selectors import department_findings
from zoufang.org.models import Department, Unit
from zoufang.research import access, selectors, words
from zoufang.research.forms import (
    ActivityForm,
    AttachmentForm,
    ProblemForm,
    ReportForm,
    ReviewForm,
    ToFindingForm,
    TopicForm,
    ToTaskForm,
)
from zoufang.research.models import ActivityPhoto, ReportAttachment
from zoufang.research.services import reports, topics


def _require_research(request: HttpRequest) -> None:
    if not access.may_use_research(request.user):
        raise PermissionDenied(
            _("The research pages are for researchers, the office and the leadership.")
        )


def _errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errs in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """A researcher's home: their department's topics; the office's: all 14 departments."""
    _require_research(request)
    user, campaign = request.user, request_campaign(request)
    context = {
        "overview": selectors.department_overview(user, campaign),
        "topics": selectors.topic_list(user, campaign),
        "to_review": selectors.reports_to_review(user) if access.is_office(user) else [],
        "may_create": access.is_office(user) or access.is_researcher(user),
        "department": user.department if access.is_researcher(user) else None,
        "is_office": access.is_office(user),
        # The findings routed to a researcher's department (their read-only list).
        "department_findings": department_findings(user).count()
        if access.is_researcher(user)
        else None,
    }
    return render(request, "research/index.html", context)


@login_required
def topic_new(request: HttpRequest) -> HttpResponse:
    _require_research(request)
    user, campaign = request.user, request_campaign(request)
    if not (access.is_office(user) or access.is_researcher(user)) or campaign is None:
        raise PermissionDenied
    form = TopicForm(request.POST or None, initial={"department": user.department_id})
    if access.is_researcher(user) and not access.is_office(user):
        form.fields["department"].queryset = Department.objects.filter(pk=user.department_id)
    if request.method == "POST" and form.is_valid():
        try:
            topic = topics.topic_save(
                actor=user,
                campaign=campaign,
                department=form.cleaned_data["department"],
                data=form.cleaned_data,
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            return redirect("research:topic", topic.pk)
    return render(request, "research/topic_form.html", {"form": form})


@login_required
def topic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    topic = access.get_topic_for_user(request.user, pk)
    report = getattr(topic, "report", None)
    context = {
        "topic": topic,
        "activities": topic.activities.prefetch_related("photos"),
        "problems": topic.problems.select_related("owner_department", "finding", "activity"),
        "report": report,
        "may_write": access.may_write_topic(request.user, topic),
        "is_office": access.is_office(request.user),
        "activity_form": ActivityForm(),
        "problem_form": ProblemForm(topic=topic),
        "finding_form": ToFindingForm(),
        "task_form": ToTaskForm(),
    }
    return render(request, "research/topic.html", context)


@login_required
def activity_new(request: HttpRequest, pk: int) -> HttpResponse:
    topic = access.get_topic_for_user(request.user, pk, write=True)
    form = ActivityForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            topics.activity_record(
                actor=request.user,
                topic=topic,
                data=form.cleaned_data,
                photos=request.FILES.getlist("photos"),
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Activity recorded."))
            return redirect("research:topic", topic.pk)
    return render(request, "research/activity_form.html", {"form": form, "topic": topic})


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ActivityPhoto.objects.select_related("activity"), pk=pk)
    access.get_topic_for_user(request.user, item.activity.topic_id)
    return FileResponse(item.image.open("rb"))


@login_required
def problem_new(request: HttpRequest, pk: int) -> HttpResponse:
    topic = access.get_topic_for_user(request.user, pk, write=True)
    form = ProblemForm(request.POST or None, topic=topic)
    if request.method == "POST" and form.is_valid():
        try:
            topics.problem_record(actor=request.user, topic=topic, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Problem recorded."))
            return redirect("research:topic", topic.pk)
    return render(request, "research/problem_form.html", {"form": form, "topic": topic})


@login_required
@require_POST
def problem_finding(request: HttpRequest, pk: int) -> HttpResponse:
    """The office logs a problem as a finding (routed by the findings service)."""
    problem = access.get_problem_for_user(request.user, pk, write=True)
    if not access.is_office(request.user):
        raise PermissionDenied(_("The office turns research problems into findings."))
    form = ToFindingForm(request.POST)
    if form.is_valid():
        try:
            finding = topics.problem_to_finding(
                actor=request.user,
                problem=problem,
                kind_code=form.cleaned_data["kind"].code,
                beat=form.cleaned_data["beat"],
                grade=form.cleaned_data["grade"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Finding %(n)s logged and routed.") % {"n": finding.number})
    else:
        messages.error(
            request,
            " ".join(f"{form.fields[k].label}: {' '.join(v)}" for k, v in form.errors.items()),
        )
    return redirect("research:topic", problem.topic_id)


@login_required
@require_POST
def problem_task(request: HttpRequest, pk: int) -> HttpResponse:
    problem = access.get_problem_for_user(request.user, pk, write=True)
    form = ToTaskForm(request.POST)
    try:
        due = form.cleaned_data["due"] if form.is_valid() else None
        if request.POST.get("done"):
            topics.task_done(actor=request.user, problem=problem)
        else:
            topics.problem_to_task(actor=request.user, problem=problem, due=due)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("research:topic", problem.topic_id)


@login_required
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    topic = access.get_topic_for_user(request.user, pk)
    report = reports.report_for(topic)
    may_write = access.may_write_topic(request.user, topic) and report.editable
    initial = {"version": report.version, **{n: getattr(report, n) for n, _l in report.SECTIONS}}
    form = ReportForm(request.POST or None, initial=initial)
    conflict = None
    if request.method == "POST":
        if not may_write:
            raise PermissionDenied
        if form.is_valid():
            try:
                reports.report_save(
                    actor=request.user,
                    topic=topic,
                    data=form.cleaned_data,
                    version=form.cleaned_data["version"],
                )
            except reports.ReportChanged as exc:
                conflict = report
                form.add_error(None, str(exc))
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("Report saved."))
                return redirect("research:report", topic.pk)
    context = {
        "topic": topic,
        "report": report,
        "form": form,
        "conflict": conflict,
        "may_write": may_write,
        "may_review": access.is_office(request.user) and report.state == report.State.SUBMITTED,
        "review_form": ReviewForm(),
        "attachment_form": AttachmentForm(),
        "steps": report.steps.select_related("actor"),
        "sections": [(label, getattr(report, n)) for n, label in report.SECTIONS],
    }
    return render(request, "research/report.html", context)


@login_required
@require_POST
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    topic = access.get_topic_for_user(request.user, pk, write=True)
    try:
        reports.report_submit(actor=request.user, report=reports.report_for(topic))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Report submitted for review."))
    return redirect("research:report", topic.pk)


@login_required
@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    topic = access.get_topic_for_user(request.user, pk)
    if not access.is_office(request.user):
        raise PermissionDenied(_("The office reviews the reports."))
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or to send back."))
        return redirect("research:report", topic.pk)
    try:
        reports.report_review(
            actor=request.user,
            report=reports.report_for(topic),
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Review recorded."))
    return redirect("research:report", topic.pk)


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    topic = access.get_topic_for_user(request.user, pk, write=True)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
    else:
        try:
            reports.attachment_add(
                actor=request.user,
                report=reports.report_for(topic),
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("research:report", topic.pk)


@login_required
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ReportAttachment.objects.select_related("report"), pk=pk)
    access.get_topic_for_user(request.user, item.report.topic_id)
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)


@login_required
def public_words(request: HttpRequest) -> HttpResponse:
    """The public's words grouped by keyword, for a unit and a department."""
    _require_research(request)
    user, campaign = request.user, request_campaign(request)
    unit = department = None
    if request.GET.get("unit"):
        unit = Unit.objects.filter(
            pk=request.GET["unit"] if request.GET["unit"].isdigit() else 0
        ).first()
        if unit is None:
            raise Http404
    departments = list(selectors.research_departments(user, campaign))
    if access.sees_all_research(user) and request.GET.get("department"):
        department = next((d for d in departments if str(d.pk) == request.GET["department"]), None)
        if department is None:
            raise Http404
    result = words.public_words(user, campaign, unit=unit, department=department)
    context = {
        "result": result,
        "unit": unit,
        "department": department or (user.department if access.is_researcher(user) else None),
        "departments": departments if access.sees_all_research(user) else [],
        "units": Unit.objects.filter(level__lte=Unit.Level.COUNTY),
    }
    return render(request, "research/words.html", context)
