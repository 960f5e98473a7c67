"""What notifications about a finding say and link to."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from zoufang.findings.models import Finding


def finding_url(finding: Finding) -> str:
    return reverse("findings:detail", args=[finding.pk])


def kind_label(finding: Finding) -> str:
    # Sensitive kinds are not named in notifications (they reach people outside the chain).
    return _("restricted item") if finding.sensitive else str(finding.kind)
