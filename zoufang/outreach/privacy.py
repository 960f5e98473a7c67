"""The public page's notice under the Personal Information Protection Law (个人信息保护法): what
each action stores, why, for how long, and who sees it. The page shows exactly this list; a test
checks that each model field the public page writes is named here, so the notice cannot drift
from what is stored."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# (what is stored, why, which of the page's actions store it, the model fields it is kept in)
NOTICE = [
    (
        _("Your answers to the three rating questions"),
        _(
            "To count the public's satisfaction and sense of security per community, station and county."
        ),
        _("Rate a visit"),
        ("satisfaction", "safety", "topics_explained"),
    ),
    (
        _(
            "Which visit your rating is about (only when the address you give is a visited one; the address itself is not kept)"
        ),
        _("To tie the rating to the team that visited you."),
        _("Rate a visit"),
        ("visit_id",),
    ),
    (
        _("The text of your opinion, suggestion or clue, and the kind of clue"),
        _("To handle it: it becomes a finding of the community's police, handled to closure."),
        _("Opinion, clue"),
        ("text", "clue_kind"),
    ),
    (
        _("A photo you attach to a clue"),
        _("As evidence for the officers who handle the clue."),
        _("Clue"),
        ("photo", "photo_extension"),
    ),
    (
        _(
            "Your name and phone, only if you give them (never for an anonymous clue); the phone is stored encrypted"
        ),
        _("So that the officers can call you back or confirm the visit."),
        _("Visit request, clue"),
        ("contact_name", "contact_phone_sealed", "contact_phone_masked", "anonymous"),
    ),
    (
        _("The address and the time you want to be visited"),
        _("So that the team visits you when it suits you."),
        _("Visit request"),
        ("address", "wanted_date", "wanted_start", "wanted_end"),
    ),
    (
        _(
            "The community the page belongs to, the date you sent it, a reference number and a keyed hash of your check code"
        ),
        _("To route what you sent to the right police and to let you check its status."),
        _("Every action"),
        ("beat", "unit_path", "campaign", "kind", "created_at", "reference", "code_hash"),
    ),
]

# Fields the page writes that are not personal data of the sender (the moderation outcome).
NOT_PERSONAL = (
    "id",
    "state",
    "hold_reason",
    "finding_id",
    "task_id",
    "decided_by",
    "decided_at",
)
