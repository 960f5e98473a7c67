"""Forms of the public page (phone first) and the staff pages. Field sizes here are the first
limit; the services check again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zoufang.outreach.models import Safety, Satisfaction
from zoufang.outreach.services.public import MAX_TEXT

TOPICS_CHOICES = [("yes", _("Yes")), ("no", _("No")), ("unsure", _("Not sure"))]
CLUE_CHOICES = [
    ("fraud", _("Telecom or online fraud")),
    ("vice", _("Pornography, gambling or drugs")),
    ("gang", _("Gangs and organised crime")),
    ("other", _("Other crime")),
]


class ChallengeForm(forms.Form):
    """Every public form; the solved challenge (guard.py) travels in two hidden inputs the
    template writes and the page's script fills, checked by the view before the form."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css + " form-control-lg")


class RateForm(ChallengeForm):
    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you with the visit?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    safety = forms.ChoiceField(
        label=_("How safe do you feel where you live?"),
        choices=Safety.choices,
        widget=forms.RadioSelect,
    )
    topics = forms.ChoiceField(
        label=_(
            "Did the officers explain the six topics (traffic, drugs, crime, terrorism, public order, civility)?"
        ),
        choices=TOPICS_CHOICES,
        widget=forms.RadioSelect,
    )
    address = forms.CharField(
        label=_("Your address (optional)"),
        max_length=200,
        required=False,
        help_text=_("Only to tie your rating to the visit; it is not kept."),
    )


class OpinionForm(ChallengeForm):
    text = forms.CharField(
        label=_("Your opinion or suggestion on police work"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_TEXT}),
    )


class VisitForm(ChallengeForm):
    address = forms.CharField(label=_("Address to visit"), max_length=200)
    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(
        label=_("Earliest time"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.TimeField(
        label=_("Latest time"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    name = forms.CharField(
        label=_("How should we address you? (optional)"), max_length=50, required=False
    )
    phone = forms.CharField(
        label=_("Phone, so that the officers can confirm"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class ClueForm(ChallengeForm):
    clue_kind = forms.ChoiceField(label=_("What is it about?"), choices=CLUE_CHOICES)
    text = forms.CharField(
        label=_("What did you see or hear? Where and when?"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_TEXT}),
    )
    anonymous = forms.BooleanField(label=_("Report anonymously"), required=False, initial=True)
    name = forms.CharField(label=_("Name (optional)"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    photo = forms.FileField(label=_("Photo (optional)"), required=False)


class StatusForm(ChallengeForm):
    reference = forms.CharField(label=_("Reference number"), max_length=16)
    code = forms.CharField(label=_("Check code"), max_length=12)


class CitySearchForm(ChallengeForm):
    q = forms.CharField(label=_("Your community or village"), max_length=30, required=False)


# ---- staff -----------------------------------------------------------------------------------


class StaffForm(forms.Form):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class EventForm(StaffForm):
    drive = forms.TypedChoiceField(label=_("Drive"), coerce=int)
    title = forms.CharField(label=_("What was done"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    unit = forms.TypedChoiceField(label=_("Organising unit"), coerce=int)
    place_text = forms.CharField(label=_("Place"), max_length=200, required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=9, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=9, decimal_places=6
    )
    people_reached = forms.IntegerField(label=_("People reached"), min_value=0, max_value=1_000_000)


class IssueForm(StaffForm):
    item = forms.TypedChoiceField(label=_("Leaflet"), coerce=int)
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=-10_000_000, max_value=10_000_000)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
