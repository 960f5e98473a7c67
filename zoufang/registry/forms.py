from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import fields_for_model, model_to_dict
from django.utils.translation import gettext_lazy as _

from zoufang.core.scope import user_scope
from zoufang.org.models import Unit, User
from zoufang.registry import normalize
from zoufang.registry.access import import_kinds_for
from zoufang.registry.fields import ENTERPRISE_FIELDS, SHOP_FIELDS
from zoufang.registry.models import (
    Enterprise,
    Household,
    ImportJob,
    KeyItem,
    KeyPerson,
    Person,
    Place,
    Shop,
)


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
        self.fields["kind"].choices = import_kinds_for(user)
        units = Unit.objects.visible_to(user).filter(level__gte=Unit.Level.COUNTY)
        self.fields["unit"].queryset = units.order_by("path")
        scope = user_scope(user)
        if user.unit_id and not scope.everything:
            self.fields["unit"].initial = user.unit_id


# ---- editing records from the pages ----------------------------------------------------------
# Plain forms (not ModelForms): a ModelForm would write the values onto the instance while
# validating, and the services compare old with new to write the history rows.


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        if isinstance(field.widget, forms.CheckboxInput):
            css = "form-check-input"
        if isinstance(field.widget, forms.Textarea):
            field.widget.attrs.setdefault("rows", 2)
        field.widget.attrs.setdefault("class", css)


def _phone(label: str, masked: str) -> forms.CharField:
    """A phone typed in clear; left empty it stays as it is (the page never shows it in full)."""
    field = forms.CharField(label=label, required=False, max_length=30)
    field.widget.attrs["inputmode"] = "tel"
    if masked:
        field.widget.attrs["placeholder"] = masked
        field.help_text = _("Leave empty to keep the current number.")
    return field


def _clean_phone(value: str) -> str:
    if not value:
        return ""
    try:
        return normalize.parse_phone(value)
    except normalize.Bad as exc:
        raise forms.ValidationError(str(exc)) from exc


class RecordForm(forms.Form):
    """The plain fields of one registry record, from its model; `changes()` for the service."""

    model: type[models.Model]
    plain: tuple[str, ...] = ()

    def __init__(self, *args: Any, instance: models.Model | None, **kwargs: Any) -> None:
        names = self.field_names()
        initial = model_to_dict(instance, fields=names) if instance is not None else {}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields.update(
            {
                k: v
                for k, v in fields_for_model(self.model, fields=names).items()
                if k not in self.fields
            }
        )
        order = [*names, *(k for k in self.fields if k not in names)]
        self.order_fields(order)

    def field_names(self) -> list[str]:
        return list(self.plain)

    def changes(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k in self.field_names()}
        for key in self.extra_keys():
            if self.cleaned_data.get(key):
                data[key] = self.cleaned_data[key]
        return data

    def extra_keys(self) -> tuple[str, ...]:
        return ()

    def finish(self) -> None:
        _bootstrap(self)


class PlaceForm(RecordForm):
    model = Place
    plain = ("name", "road", "house_number", "building", "entrance", "room")
    KIND_FIELD = {
        Place.Kind.SHOP: "shop_kind",
        Place.Kind.ENTERPRISE: "enterprise_category",
        Place.Kind.KEY_PLACE: "key_place_kind",
    }

    def __init__(self, *args: Any, instance: Place, **kwargs: Any) -> None:
        self.kind = instance.kind
        super().__init__(*args, instance=instance, **kwargs)
        self.finish()

    def field_names(self) -> list[str]:
        extra = self.KIND_FIELD.get(self.kind)
        return [*self.plain, *([extra] if extra else [])]

    def clean(self) -> dict:
        data = super().clean()
        if not (data.get("road") or data.get("name")):
            raise forms.ValidationError(_("An address needs a road or a name."))
        return data


class HouseholdForm(RecordForm):
    model = Household
    plain = ("use", "landlord_name", "tenants")

    def __init__(self, *args: Any, instance: Household, **kwargs: Any) -> None:
        super().__init__(*args, instance=instance, **kwargs)
        self.fields["landlord_phone"] = _phone(_("Landlord phone"), instance.landlord_phone_masked)
        self.order_fields([*self.plain[:2], "landlord_phone", "tenants"])
        self.finish()

    def clean_landlord_phone(self) -> str:
        return _clean_phone(self.cleaned_data["landlord_phone"])

    def extra_keys(self) -> tuple[str, ...]:
        return ("landlord_phone",)


class PersonForm(RecordForm):
    model = Person
    plain = ("name", "relation", "registered_address", "actual_address", "living_since")

    def __init__(self, *args: Any, instance: Person, full_values: bool, **kwargs: Any) -> None:
        super().__init__(*args, instance=instance, **kwargs)
        self.fields["phone"] = _phone(_("Phone"), instance.phone_masked)
        if full_values:
            field = forms.CharField(label=_("ID number"), required=False, max_length=30)
            if instance.id_masked:
                field.widget.attrs["placeholder"] = instance.id_masked
                field.help_text = _("Leave empty to keep the current number.")
            self.fields["id_number"] = field
        self.fields["name"].label = _("Full name")  # a person's 姓名, not a place's 名称
        self.fields["living_since"].widget = forms.DateInput(attrs={"type": "date"})
        self.fields["living_since"].widget.format = "%Y-%m-%d"
        self.order_fields(["name", "id_number", "phone", *self.plain[1:]])
        self.finish()

    def clean_phone(self) -> str:
        return _clean_phone(self.cleaned_data["phone"])

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"]
        if not value:
            return ""
        try:
            return normalize.parse_id_number(value)[0]
        except normalize.Bad as exc:
            raise forms.ValidationError(str(exc)) from exc

    def extra_keys(self) -> tuple[str, ...]:
        return ("phone", "id_number")


class OrgForm(RecordForm):
    """A shop or an enterprise; `model` is set per instance."""

    def __init__(self, *args: Any, instance: Shop | Enterprise | None, model: type, **kwargs: Any):
        self.model = model
        self.plain = SHOP_FIELDS if model is Shop else ENTERPRISE_FIELDS
        super().__init__(*args, instance=instance, **kwargs)
        self.fields["credit_code"] = forms.CharField(
            label=_("Unified social credit code"),
            required=False,
            max_length=30,
            initial=instance.credit_code if instance else "",
        )
        self.fields["contact_phone"] = _phone(
            _("Contact phone"), instance.contact_phone_masked if instance else ""
        )
        self.fields["opened_on"].widget = forms.DateInput(attrs={"type": "date"})
        self.fields["opened_on"].widget.format = "%Y-%m-%d"
        self.order_fields(["name", "credit_code", "contact_name", "contact_phone"])
        self.finish()

    def clean_contact_phone(self) -> str:
        return _clean_phone(self.cleaned_data["contact_phone"])

    def clean_credit_code(self) -> str:
        try:
            return normalize.parse_credit_code(self.cleaned_data["credit_code"])
        except normalize.Bad as exc:
            raise forms.ValidationError(str(exc)) from exc

    def changes(self) -> dict[str, Any]:
        data = super().changes()
        data["credit_code"] = self.cleaned_data["credit_code"]
        return data

    def extra_keys(self) -> tuple[str, ...]:
        return ("contact_phone",)


class KeyPersonForm(RecordForm):
    model = KeyPerson
    plain = ("category", "control_level", "note")

    def __init__(self, *args: Any, instance: KeyPerson | None, **kwargs: Any) -> None:
        super().__init__(*args, instance=instance, **kwargs)
        self.finish()


class KeyItemForm(RecordForm):
    model = KeyItem
    plain = ("kind", "name", "quantity", "measure", "holder", "storage")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, instance=None, **kwargs)
        self.fields["quantity"].widget.attrs["inputmode"] = "decimal"
        self.finish()


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: its fields where the form has them."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)
