"""Units, departments, personnel, visit teams and user accounts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from zoufang.core.masking import mask_phone
from zoufang.core.models import PathField, ScopedQuerySet, TimeStampedModel
from zoufang.core.roles import ADMIN_SITE_ROLES, TWO_FACTOR_ROLES, UNIT_ROLE_LEVELS, Role
from zoufang.org.validators import (
    AUXILIARY_NUMBER_RE,
    OFFICER_NUMBER_RE,
    validate_phone,
    validate_unit_code,
)


def _optional_fk(to: Any, verbose_name: Any, related_name: str, **extra: Any) -> models.ForeignKey:
    """A link that may be empty and that protects the row it points to from deletion."""
    return models.ForeignKey(
        to,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name=related_name,
        **extra,
    )


class UnitQuerySet(ScopedQuerySet):
    scope_field = "path"


class Unit(TimeStampedModel):
    """A node of the police organisation: city bureau > county bureau > station > beat."""

    class Level(models.IntegerChoices):
        CITY = 1, _("City bureau")
        COUNTY = 2, _("County-level bureau")
        STATION = 3, _("Police station")
        BEAT = 4, _("Community / village beat")

    class BeatKind(models.TextChoices):
        COMMUNITY = "community", _("Community")
        VILLAGE = "village", _("Village")

    code = models.CharField(_("code"), max_length=12, unique=True, validators=[validate_unit_code])
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = _optional_fk("self", _("parent unit"), "children")
    path = PathField(_("path"), unique=True, editable=False)
    beat_kind = models.CharField(
        _("beat kind"), max_length=12, choices=BeatKind.choices, blank=True
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(
        _("duty phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        indexes = [models.Index(fields=["level", "path"], name="org_unit_level_path")]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def build_path(parent: Unit | None, code: str) -> str:
        return f"{parent.path if parent else ''}{code}/"

    def clean(self) -> None:
        if self.level == self.Level.CITY:
            if self.parent_id is not None:
                raise ValidationError({"parent": _("A city bureau has no parent unit.")})
        elif self.parent is None or self.parent.level != self.level - 1:
            raise ValidationError(
                {
                    "parent": _("The parent of a %(level)s must be one level above it.")
                    % {"level": self.get_level_display()}
                }
            )
        if self.level != self.Level.BEAT and self.beat_kind:
            raise ValidationError({"beat_kind": _("Only a beat has a beat kind.")})

    @property
    def is_beat(self) -> bool:
        return self.level == self.Level.BEAT

    def ancestors(self) -> models.QuerySet[Unit]:
        """Units above this one, city first: one query on the path prefixes."""
        codes = [c for c in self.path.split("/") if c][:-1]
        return Unit.objects.filter(code__in=codes).order_by("level")


class Department(models.Model):
    """A police department (警种), e.g. 治安, 刑侦, 禁毒. Editable catalog."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class PersonnelQuerySet(ScopedQuerySet):
    def active(self) -> PersonnelQuerySet:
        return self.filter(is_active=True)


class Personnel(TimeStampedModel):
    """A police officer (民警) or auxiliary (辅警) taking part in the campaign."""

    class Kind(models.TextChoices):
        OFFICER = "officer", _("Police officer")
        AUXILIARY = "auxiliary", _("Auxiliary police")

    class Post(models.TextChoices):
        COMMUNITY = "community", _("Community officer")
        DESK = "desk", _("Desk officer sent down")
        STATION = "station", _("Station officer")
        COMMAND = "command", _("Leadership")
        AUXILIARY = "auxiliary", _("Auxiliary")

    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    post = models.CharField(_("post"), max_length=12, choices=Post.choices)
    police_number = models.CharField(
        _("police number"),
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Six digits for officers; a letter prefix and digits for auxiliaries."),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    unit = models.ForeignKey(
        Unit, verbose_name=_("home unit"), on_delete=models.PROTECT, related_name="staff"
    )
    department = _optional_fk(Department, _("department"), "staff")
    year_joined = models.PositiveSmallIntegerField(_("year joined"))
    beat = _optional_fk(
        Unit,
        _("beat"),
        "community_officers",
        help_text=_("For community officers: the beat they own."),
    )
    deployed_to = _optional_fk(
        Unit,
        _("sent down to"),
        "deployed_staff",
        help_text=_("For desk officers and auxiliaries sent down for the campaign."),
    )
    # Path of the unit the person works in during the campaign (deployed_to, beat or unit).
    unit_path = PathField(_("working unit path"), editable=False, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = PersonnelQuerySet.as_manager()

    class Meta:
        verbose_name = _("personnel")
        verbose_name_plural = _("personnel")
        ordering = ["unit_path", "name"]
        indexes = [models.Index(fields=["unit_path", "name"], name="org_personnel_scope_name")]

    def __str__(self) -> str:
        return f"{self.name}({self.police_number})" if self.police_number else self.name

    @property
    def work_unit(self) -> Unit:
        return self.deployed_to or self.beat or self.unit

    def years_of_service(self, on: dt.date | None = None) -> int:
        on = on or timezone.localdate()
        return max(0, on.year - self.year_joined)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        number = (self.police_number or "").strip().upper() or None
        self.police_number = number
        if self.kind == self.Kind.OFFICER:
            if not number:
                errors["police_number"] = _("An officer must have a police number.")
            elif not OFFICER_NUMBER_RE.match(number):
                errors["police_number"] = _("A police number is six digits, e.g. 012345.")
        elif number and not AUXILIARY_NUMBER_RE.match(number):
            errors["police_number"] = _(
                "An auxiliary number is one or two capital letters and 4 to 8 digits, e.g. F10234."
            )
        this_year = timezone.localdate().year
        if self.year_joined and not (1950 <= self.year_joined <= this_year):
            errors["year_joined"] = _("The year joined must be between 1950 and %(year)s.") % {
                "year": this_year
            }
        if self.post == self.Post.COMMUNITY:
            if self.kind != self.Kind.OFFICER:
                errors["post"] = _("A community officer must be a police officer.")
            if self.beat is None or self.beat.level != Unit.Level.BEAT:
                errors["beat"] = _(
                    "A community officer must be linked to a community or village beat."
                )
        elif self.beat_id is not None:
            errors["beat"] = _("Only community officers own a beat.")
        if self.post == self.Post.AUXILIARY and self.kind != self.Kind.AUXILIARY:
            errors["post"] = _("Only auxiliaries have the auxiliary post.")
        if self.deployed_to is not None and self.deployed_to.level < Unit.Level.STATION:
            errors["deployed_to"] = _("People are sent down to a station or a beat.")
        if errors:
            raise ValidationError(errors)


class TeamQuerySet(ScopedQuerySet):
    def with_composition(self) -> TeamQuerySet:
        """Annotate member counts the two team rules need, computed in the database."""
        experienced_year = timezone.localdate().year - settings.ZOUFANG["EXPERIENCED_YEARS"]
        return self.annotate(
            member_count=Count("members", distinct=True),
            officer_count=Count(
                "members", filter=Q(members__personnel__kind=Personnel.Kind.OFFICER), distinct=True
            ),
            auxiliary_count=Count(
                "members",
                filter=Q(members__personnel__kind=Personnel.Kind.AUXILIARY),
                distinct=True,
            ),
            experienced_count=Count(
                "members",
                filter=Q(members__personnel__year_joined__lte=experienced_year),
                distinct=True,
            ),
            community_count=Count(
                "members",
                filter=Q(members__personnel__post=Personnel.Post.COMMUNITY),
                distinct=True,
            ),
        )

    def non_compliant(self) -> TeamQuerySet:
        """Teams breaking a team rule: 以老带新 (an experienced member, and someone newer for
        them to bring on), 警辅结合 (officer + auxiliary), one community officer. The same
        rules as `services.team_warnings`, which names them one by one (the team list, the
        home page and supervision's deployment page all count with these)."""
        return self.with_composition().filter(
            Q(experienced_count=0)
            | Q(member_count__gt=1, experienced_count=F("member_count"))
            | Q(officer_count=0)
            | Q(auxiliary_count=0)
            | ~Q(community_count=1)
        )


class Team(TimeStampedModel):
    """A visit team (捆绑作业): the beat's community officer, desk officers and auxiliaries."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="teams",
    )
    beat = models.ForeignKey(
        Unit, verbose_name=_("beat"), on_delete=models.PROTECT, related_name="teams"
    )
    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(
        Personnel,
        verbose_name=_("leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    unit_path = PathField(_("beat path"), editable=False)

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit team")
        verbose_name_plural = _("visit teams")
        ordering = ["unit_path", "name"]
        indexes = [models.Index(fields=["unit_path", "campaign"], name="org_team_scope")]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "beat", "name"], name="org_team_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.beat_id and self.beat.level != Unit.Level.BEAT:
            raise ValidationError({"beat": _("A team belongs to a community or village beat.")})


class TeamMember(models.Model):
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="members"
    )
    personnel = models.ForeignKey(
        Personnel, verbose_name=_("member"), on_delete=models.PROTECT, related_name="memberships"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="+", editable=False
    )
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            # One team per person per campaign: a person cannot be bundled into two teams.
            models.UniqueConstraint(fields=["campaign", "personnel"], name="org_member_one_team"),
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.personnel}"


class User(AbstractUser):
    """A login. Its role and anchor unit decide what it sees (see zoufang.core.scope)."""

    role = models.CharField(_("role"), max_length=24, choices=Role.choices, blank=True)
    unit = _optional_fk(Unit, _("anchor unit"), "users")
    department = _optional_fk(Department, _("department"), "users")
    personnel = models.OneToOneField(
        Personnel,
        verbose_name=_("personnel record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    can_view_sensitive = models.BooleanField(
        _("may view sensitive clues"),
        default=False,
        help_text=_("涉恐涉稳 / 涉黑涉恶 clues in the user's own chain."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.personnel_id:
            return self.personnel.name
        return self.get_full_name() or self.username

    @property
    def needs_two_factor(self) -> bool:
        """Must log in with a second factor (TWO_FACTOR_ROLES, and superusers)."""
        return self.is_superuser or self.role in TWO_FACTOR_ROLES

    @property
    def may_use_admin_site(self) -> bool:
        """The admin site (/admin) is for the administrators and the office (issue 17)."""
        return (
            self.is_active
            and self.is_staff
            and (self.is_superuser or self.role in ADMIN_SITE_ROLES)
        )

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django signs each session with this and drops a session whose hash no longer
        matches: here it covers the role, the anchor unit and the active flag besides the
        password, so disabling a user, changing their role or their password ends every
        session they have on any device (and their API tokens, which carry the same stamp:
        services.api_token_authenticate)."""
        return salted_hmac(
            "zoufang.org.User.session_auth_hash",
            f"{self.password}|{self.role}|{self.unit_id}|{self.is_active}|{self.is_superuser}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def clean(self) -> None:
        super().clean()
        level = UNIT_ROLE_LEVELS.get(self.role)
        if level is not None and (self.unit is None or self.unit.level != level):
            raise ValidationError(
                {
                    "unit": _("This role must be anchored at a unit of level: %(level)s.")
                    % {"level": Unit.Level(level).label}
                }
            )
        if self.role == Role.RESEARCHER and self.department_id is None:
            raise ValidationError({"department": _("A researcher belongs to a department.")})


class ApiToken(models.Model):
    """A bearer token for phone clients. Only a hash of the key is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The user's session stamp when the token was made (User._get_session_auth_hash, cut): a
    # token stops working when the user's password, role, unit or active flag changes.
    auth_stamp = models.CharField(max_length=16, default="", editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class PasswordHistory(models.Model):
    """A user's earlier password hashes, so the last few cannot be chosen again
    (zoufang.org.passwords.NoReuseValidator). Our own few lines: the kept password libraries
    (django-password-validators and the like) are not among this project's dependencies, and
    the rule is one query over hashes Django already knows how to check."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("earlier password")
        verbose_name_plural = _("earlier passwords")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="org_pwhistory_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"
