"""Password rules beyond Django's own: no words of this system or its units, and no reuse of
the user's last PASSWORD_HISTORY_COUNT passwords (settings.AUTH_PASSWORD_VALIDATORS)."""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

# Words anyone guessing a password here would try first: the system's and the police's.
CONTEXT_WORDS = (
    "zoufang",
    "police",
    "gongan",
    "jingcha",
    "paichusuo",
    "xuchang",
    "走访",
    "公安",
    "警察",
    "派出所",
)


class ContextWordsValidator:
    """Refuses a password that contains a word of this system (CONTEXT_WORDS) or the name or
    code of the user's unit, or that is too like one (Django's similarity measure)."""

    def _words(self, user: Any) -> list[str]:
        words = list(CONTEXT_WORDS)
        unit = getattr(user, "unit", None) if user is not None else None
        if unit is not None:
            words += [unit.name, unit.code]
        return [w for w in words if w]

    def validate(self, password: str, user: Any = None) -> None:
        lowered = password.lower()
        for word in self._words(user):
            word = word.lower()
            if word in lowered or SequenceMatcher(a=lowered, b=word).quick_ratio() >= 0.7:
                raise ValidationError(
                    _("The password must not contain or resemble “%(word)s”.") % {"word": word},
                    code="password_context_word",
                )

    def get_help_text(self) -> str:
        return _("Your password may not contain the name of this system, the police or your unit.")


class NoReuseValidator:
    """Refuses the user's last PASSWORD_HISTORY_COUNT passwords (the current one included)."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        count = settings.PASSWORD_HISTORY_COUNT
        # The last `count` passwords: the current one and the `count - 1` before it.
        earlier = list(user.password_history.values_list("password", flat=True)[: count - 1])
        if user.password:
            earlier.append(user.password)
        if any(check_password(password, encoded) for encoded in earlier if encoded):
            raise ValidationError(
                _("Choose a password you have not used for your last %(n)d passwords.")
                % {"n": count},
                code="password_reused",
            )

    def get_help_text(self) -> str:
        return _("It must differ from your last %(n)d passwords.") % {
            "n": settings.PASSWORD_HISTORY_COUNT
        }


@transaction.atomic
def password_change(*, user: Any, new_password: str) -> None:
    """Set a validated new password: the old hash joins the history (the new password and
    the N - 1 before it are the "last N"), and the user's other sessions and API tokens end."""
    from zoufang.org.models import PasswordHistory
    from zoufang.org.services import user_revoke_access

    if user.password:
        PasswordHistory.objects.create(user=user, password=user.password)
    keep = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[
        : max(0, settings.PASSWORD_HISTORY_COUNT - 1)
    ]
    PasswordHistory.objects.filter(user=user).exclude(pk__in=list(keep)).delete()
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_revoke_access(user=user)
