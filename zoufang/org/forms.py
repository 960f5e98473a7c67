from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zoufang.core.scope import user_scope
from zoufang.org.models import Personnel, Unit, User


class PersonnelForm(forms.ModelForm):
    class Meta:
        model = Personnel
        fields = [
            "name",
            "kind",
            "post",
            "police_number",
            "phone",
            "unit",
            "department",
            "year_joined",
            "beat",
            "deployed_to",
            "is_active",
        ]

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.visible_to(user)
        scope = user_scope(user)
        # Home units may sit above the user's subtree (a desk officer of the city bureau sent
        # down here), but people can only be placed to work inside it.
        if scope.everything:
            self.fields["unit"].queryset = Unit.objects.all()
        else:
            above = user.unit.ancestors().values("pk") if user.unit_id else []
            self.fields["unit"].queryset = Unit.objects.filter(
                Q(pk__in=units.values("pk")) | Q(pk__in=above)
            )
        self.fields["beat"].queryset = units.filter(level=Unit.Level.BEAT)
        self.fields["deployed_to"].queryset = units.filter(level__gte=Unit.Level.STATION)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if isinstance(field.widget, forms.CheckboxInput):
                css = "form-check-input"
            field.widget.attrs.setdefault("class", css)

    def clean(self) -> dict:
        data = super().clean()
        work = data.get("deployed_to") or data.get("beat") or data.get("unit")
        scope = getattr(self, "_scope", None)
        if work is not None and scope is not None and not scope.contains(work.path):
            raise forms.ValidationError(_("The person must work in a unit of your jurisdiction."))
        return data


class TeamMemberAddForm(forms.Form):
    personnel = forms.ModelChoiceField(queryset=Personnel.objects.none(), label=_("Person"))

    def __init__(self, *args: object, team, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        station_path = team.beat.parent.path if team.beat.parent else team.beat.path
        self.fields["personnel"].queryset = (
            Personnel.objects.active()
            .in_subtree(station_path)
            .exclude(memberships__campaign=team.campaign)
        )
        self.fields["personnel"].widget.attrs["class"] = "form-select"
