"""Questionnaire pages: the office writes and publishes; invitees answer; the office and
the leadership read the results (charts, keyword groups, xlsx). Nothing here logs who
answered (docs/decisions/0026)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zoufang.campaigns.services import request_campaign
from zoufang.core.xlsx import xlsx_response
from zoufang.research import access, selectors
from zoufang.research.forms import QuestionnaireForm
from zoufang.research.models import Invitation, Questionnaire
from zoufang.research.services import questionnaires as service


@login_required
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    all_of_them = access.may_read_results(user)
    context = {
        "questionnaires": selectors.questionnaire_list(user, all_of_them=all_of_them),
        "pending": set(selectors.my_pending(user).values_list("questionnaire_id", flat=True)),
        "may_manage": access.may_manage_questionnaires(user),
        "all_of_them": all_of_them,
    }
    return render(request, "research/questionnaires.html", context)


@login_required
def questionnaire_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if not access.may_manage_questionnaires(request.user):
        raise PermissionDenied
    campaign = request_campaign(request)
    q = access.get_questionnaire_for_user(request.user, pk, manage=True) if pk else None
    if q is not None and q.state != Questionnaire.State.DRAFT:
        messages.error(request, _("A published questionnaire cannot be changed."))
        return redirect("research:questionnaire", q.pk)
    initial = {"questions": service.questions_source(q)} if q else {"anonymous": True}
    form = QuestionnaireForm(request.POST or None, instance=q, initial=initial)
    if request.method == "POST" and form.is_valid() and campaign is not None:
        try:
            q = service.questionnaire_save(
                actor=request.user,
                campaign=campaign,
                data=form.cleaned_data,
                questions_text=form.cleaned_data["questions"],
                questionnaire=q,
            )
        except ValidationError as exc:
            for name, errs in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errs)
        else:
            messages.success(request, _("Questionnaire saved as a draft."))
            return redirect("research:questionnaire", q.pk)
    return render(request, "research/questionnaire_form.html", {"form": form, "questionnaire": q})


@login_required
def questionnaire_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """For an invitee: the form to answer (or a note that they did, or that it closed). For
    the office: the questions, the audience and publishing."""
    q = access.get_questionnaire_for_user(request.user, pk)
    invitation = Invitation.objects.filter(questionnaire=q, user=request.user).first()
    errors: dict[str, str] = {}
    sent: dict[int, list[str]] = {}
    if request.method == "POST":
        sent = {
            question.pk: request.POST.getlist(f"q{question.pk}") for question in q.questions.all()
        }
        try:
            service.response_submit(user=request.user, questionnaire=q, answers=sent)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
                messages.error(request, _("Some answers need your attention."))
            else:
                messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Thank you: your answers were recorded."))
            return redirect("research:questionnaires")
    questions = [
        {
            "q": question,
            "error": errors.get(str(question.pk)),
            "sent": sent.get(question.pk, []),
            "points": range(1, question.scale_max + 1),
        }
        for question in q.questions.all()
    ]
    context = {
        "questionnaire": q,
        "questions": questions,
        "invitation": invitation,
        "may_manage": access.may_manage_questionnaires(request.user),
        "may_read": access.may_read_results(request.user),
        "rate": selectors.response_rate(q),
    }
    return render(request, "research/questionnaire.html", context)


@login_required
@require_POST
def questionnaire_publish(request: HttpRequest, pk: int) -> HttpResponse:
    q = access.get_questionnaire_for_user(request.user, pk, manage=True)
    try:
        n = service.questionnaire_publish(actor=request.user, questionnaire=q)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Published to %(n)s people.") % {"n": n})
    return redirect("research:questionnaire", q.pk)


@login_required
def questionnaire_results(request: HttpRequest, pk: int) -> HttpResponse:
    q = access.get_questionnaire_for_user(request.user, pk)
    if not access.may_read_results(request.user):
        raise PermissionDenied
    results = selectors.questionnaire_results(q)
    if request.GET.get("export") == "xlsx":
        return _export(request, q, results)
    context = {
        "questionnaire": q,
        "results": results,
        "rate": selectors.response_rate(q),
        "charts": [r.chart() for r in results if r.rows],
    }
    return render(request, "research/results.html", context)


def _export(request: HttpRequest, q: Questionnaire, results: list) -> HttpResponse:
    headers = [_("Question"), _("Kind"), _("Answer or keyword"), _("Count"), _("Share (%)")]

    def rows():  # type: ignore[no-untyped-def]
        for r in results:
            kind = r.question.get_kind_display()
            for label, n, share in r.rows:
                yield [r.question.text, kind, label, n, share]
            for g in r.groups:
                for text in g.texts:
                    yield [r.question.text, kind, f"[{g.keyword or _('other')}] {text}", 1, ""]

    return xlsx_response(
        request, "questionnaire", headers, rows(), sheet=_("Results"), title=q.title
    )
