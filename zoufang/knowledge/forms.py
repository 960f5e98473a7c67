from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zoufang.knowledge.models import Chapter, Entry
from zoufang.knowledge.services import EDITED_FIELDS


class EntryForm(forms.ModelForm):
    """An edit of an entry. `base_version` is the version the editor opened; the service
    refuses the save when the entry has moved on since."""

    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(label=_("What changed (optional)"), max_length=200, required=False)
    chapter = forms.ModelChoiceField(queryset=Chapter.objects.all(), label=_("Chapter"))

    class Meta:
        model = Entry
        fields = ["chapter", *EDITED_FIELDS]
        widgets = {
            part: forms.Textarea(attrs={"rows": 3})
            for part in ("say", "do", "how", "standard", "basis")
        }

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "base_version":
                field.widget.attrs.setdefault("class", "form-control")
        self.fields["chapter"].widget.attrs["class"] = "form-select"


class NewEntryForm(EntryForm):
    slug = forms.SlugField(
        label=_("Address (letters, digits, hyphens; never changes)"), max_length=60
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta(EntryForm.Meta):
        fields = ["slug", "chapter", *EDITED_FIELDS]

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if Entry.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("Another entry already has this address."))
        return slug
