"""Input forms of the research pages; the rules are in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zoufang.findings.models import FindingKind, Grade
from zoufang.org.models import Department, Unit
from zoufang.research.models import Activity, Questionnaire, Report, Topic


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); the service checks each."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return super().clean(data, initial)


class Styled:
    """Bootstrap classes on every widget (the templates render fields as they are)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            w = f.widget
            if isinstance(w, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(w, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            w.attrs.setdefault("class", css)


class TopicForm(Styled, forms.ModelForm):
    class Meta:
        model = Topic
        fields = ["department", "title", "goal", "leader_name", "members"]
        widgets = {"goal": forms.Textarea(attrs={"rows": 3})}


class ActivityForm(Styled, forms.ModelForm):
    photos = MultipleFileField(label=_("Photos"), required=False)

    class Meta:
        model = Activity
        fields = ["kind", "held_on", "place_kind", "place", "met", "heard", "minutes", "attendees"]
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}),
            **{
                f: forms.Textarea(attrs={"rows": 3})
                for f in ("met", "heard", "minutes", "attendees")
            },
        }


class ProblemForm(Styled, forms.Form):
    description = forms.CharField(label=_("Problem"), widget=forms.Textarea(attrs={"rows": 2}))
    root_cause = forms.CharField(label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 2}))
    countermeasure = forms.CharField(
        label=_("Countermeasure"), widget=forms.Textarea(attrs={"rows": 2})
    )
    owner_department = forms.ModelChoiceField(
        label=_("Owner department"), queryset=Department.objects.filter(is_active=True)
    )
    activity = forms.ModelChoiceField(
        label=_("Found at"), queryset=Activity.objects.none(), required=False
    )

    def __init__(self, *args: Any, topic: Topic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = topic.activities.all()
        self.fields["owner_department"].initial = topic.department_id


class ToFindingForm(Styled, forms.Form):
    kind = forms.ModelChoiceField(
        label=_("Finding kind"),
        queryset=FindingKind.objects.filter(is_active=True, sensitive=False),
        to_field_name="code",
    )
    beat = forms.ModelChoiceField(
        label=_("Beat where it lies"),
        queryset=Unit.objects.filter(level=Unit.Level.BEAT),
        to_field_name="code",
        widget=forms.TextInput(attrs={"placeholder": _("beat code, e.g. 411002001001")}),
    )
    grade = forms.ChoiceField(
        label=_("Grade"), choices=[("", _("As the kind suggests")), *Grade.choices], required=False
    )


class ToTaskForm(Styled, forms.Form):
    due = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))


class ReportForm(Styled, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in Report.SECTIONS:
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"}),
            )


class ReviewForm(Styled, forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Send back"))])
    comment = forms.CharField(
        label=_("Comments"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AttachmentForm(Styled, forms.Form):
    file = forms.FileField(label=_("Attachment"))


QUESTIONS_HELP = _(
    "One question per block: a line “[单选] question”, “[多选] question”, “[量表] question” "
    "(“[量表 10]” for ten points) or “[文本] question”, then one choice per line for choice "
    "questions. A “?” after the kind makes the question optional: “[文本?] …”."
)


class QuestionnaireForm(Styled, forms.ModelForm):
    # Not required here: the service says what is missing together with the other errors.
    questions = forms.CharField(
        label=_("Questions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=QUESTIONS_HELP,
    )

    class Meta:
        model = Questionnaire
        fields = ["title", "intro", "audience", "unit", "anonymous", "closes_on"]
        widgets = {
            "closes_on": forms.DateInput(attrs={"type": "date"}),
            "intro": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(level__lte=Unit.Level.STATION)
