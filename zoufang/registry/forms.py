from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zoufang.core.scope import user_scope
from zoufang.org.models import Unit, User
from zoufang.registry.models import ImportJob


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportJob.Kind.choices)
    unit = forms.ModelChoiceField(
        label=_("Into unit"),
        queryset=Unit.objects.none(),
        help_text=_("A beat, or a station or county when the file has a beat code column."),
    )
    file = forms.FileField(label=_("File (xlsx or csv)"))
    dry_run = forms.BooleanField(
        label=_("Dry run: check and count, change nothing"), required=False
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        from zoufang.registry.services import import_kinds_for

        self.fields["kind"].choices = import_kinds_for(user)
        units = Unit.objects.visible_to(user).filter(level__gte=Unit.Level.COUNTY)
        self.fields["unit"].queryset = units.order_by("path")
        scope = user_scope(user)
        if user.unit_id and not scope.everything:
            self.fields["unit"].initial = user.unit_id
