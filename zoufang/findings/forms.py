"""Forms of the findings pages. They parse input; the services decide."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zoufang.core.scope import user_scope
from zoufang.findings.models import Finding, Grade, Referral, State
from zoufang.findings.selectors import kind_choices
from zoufang.org.models import Unit, User


def _kind_options() -> list[tuple[str, str]]:
    return [(k.code, str(k)) for k in kind_choices()]


class FindingCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"))
    beat = forms.ModelChoiceField(label=_("Beat"), queryset=Unit.objects.none())
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    place_text = forms.CharField(label=_("Place"), max_length=200, required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=9, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=9, decimal_places=6
    )
    grade = forms.ChoiceField(
        label=_("Proposed grade"),
        required=False,
        choices=[("", _("As the kind suggests")), *Grade.choices],
    )
    resident_name = forms.CharField(label=_("Resident concerned"), max_length=50, required=False)
    resident_phone = forms.CharField(label=_("Resident phone"), max_length=20, required=False)
    # Generated when the form is shown: a double submit returns the same finding.
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _kind_options()
        self.fields["beat"].queryset = (
            Unit.objects.visible_to(user).filter(level=Unit.Level.BEAT).order_by("path")
        )
        if user.unit_id and user.unit.level == Unit.Level.BEAT:
            self.fields["beat"].initial = user.unit_id
        if not self.is_bound:
            self.initial.setdefault("client_uuid", uuid.uuid4())
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
            del name


class ActionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    grade = forms.ChoiceField(label=_("Grade"), required=False, choices=Grade.choices)
    assignee = forms.ModelChoiceField(
        label=_("Person"), queryset=User.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    deadline = forms.DateTimeField(
        label=_("Deadline"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    satisfied = forms.TypedChoiceField(
        label=_("Resident satisfied?"),
        required=False,
        coerce=lambda v: v == "yes",
        empty_value=None,
        choices=[("", "—"), ("yes", _("Satisfied")), ("no", _("Not satisfied"))],
    )
    files = forms.FileField(label=_("Attachment"), required=False)

    def __init__(self, *args: Any, finding: Finding, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "—"), *_kind_options()]
        self.fields["kind"].initial = finding.kind.code
        self.fields["grade"].initial = finding.grade
        # People and units under the owner unit; transfer targets: any station or bureau in
        # the user's view (a transfer across counties goes through the county or the office).
        self.fields["assignee"].queryset = (
            User.objects.filter(is_active=True, unit__path__startswith=finding.owner_path)
            .select_related("personnel", "unit")
            .order_by("unit__path", "username")
        )
        self.fields["assignee"].label_from_instance = lambda u: f"{u.display_name} · {u.unit}"
        scope = user_scope(user)
        units = Unit.objects.filter(level__lte=Unit.Level.STATION)
        if not scope.everything and user.unit_id:
            parent_path = user.unit.parent.path if user.unit.parent_id else user.unit.path
            units = units.filter(path__startswith=parent_path)
        self.fields["unit"].queryset = units.order_by("path")
        for field in self.fields.values():
            if isinstance(field.widget, forms.HiddenInput):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


STATE_CHOICES = [("", "—"), *State.choices]


class ReferralForm(forms.Form):
    """Refer a finding to a co-handling body outside the police."""

    body_kind = forms.ChoiceField(label=_("Kind of body"), choices=Referral.BodyKind.choices)
    body_name = forms.CharField(label=_("Co-handling body"), max_length=100)
    contact_name = forms.CharField(label=_("Contact"), max_length=50)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20)
    deadline = forms.DateTimeField(
        label=_("Feedback due"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    note = forms.CharField(
        label=_("What is asked of them"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css + " form-control-sm")


class FeedbackForm(forms.Form):
    feedback = forms.CharField(
        label=_("Feedback received"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
    )
