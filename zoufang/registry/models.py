"""The base registry (人、地、物、事、组织): places, households, persons, shops, enterprises,
key persons and key items, with the history of every change.

Every row carries the `unit_path` of its beat (copied, never joined) so that the jurisdiction
filter is one indexed prefix scan. ID numbers and phones are stored encrypted (see
`zoufang.registry.crypto`) with a keyed hash for exact lookup and a masked copy for lists.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from zoufang.core.models import PathField, ScopedQuerySet, TimeStampedModel


class PlaceQuerySet(ScopedQuerySet):
    def in_beat(self, beat_id: int) -> PlaceQuerySet:
        return self.filter(beat_id=beat_id)

    def active(self) -> PlaceQuerySet:
        return self.filter(is_active=True)


class Place(TimeStampedModel):
    """A standard address (地) within a community or village beat, and what is there."""

    class Kind(models.TextChoices):
        DWELLING = "dwelling", _("Dwelling")
        SHOP = "shop", _("Shop")
        ENTERPRISE = "enterprise", _("Enterprise or institution")
        KEY_PLACE = "key_place", _("Key place")
        KEY_AREA = "key_area", _("Key area")

    class ShopKind(models.TextChoices):
        STREET = "street", _("Street-front shop")
        SMALL = "small", _("Small neighbourhood shop")
        MARKET = "market", _("Market stall")

    class EnterpriseCategory(models.TextChoices):
        GOVERNMENT = "government", _("Party and government organ")
        HOSPITAL_SCHOOL = "hospital_school", _("Hospital or school")
        FINANCE_TELECOM = "finance_telecom", _("Finance or telecom")
        STATION_DOCK = "station_dock", _("Station or dock")
        UTILITIES = "utilities", _("Water, power, gas or heat")
        FACTORY_MINE = "factory_mine", _("Factory or mine")
        OTHER = "other", _("Other")

    class KeyPlaceKind(models.TextChoices):
        HOTEL = "hotel", _("Hotel")
        INTERNET_CAFE = "internet_cafe", _("Internet café")
        ENTERTAINMENT = "entertainment", _("Entertainment venue")
        LOGISTICS = "logistics", _("Logistics and delivery")
        OTHER = "other", _("Other")

    beat = models.ForeignKey(
        "org.Unit",
        verbose_name=_("beat"),
        on_delete=models.PROTECT,
        related_name="places",
        limit_choices_to={"level": 4},
    )
    unit_path = PathField(_("beat path"), editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    shop_kind = models.CharField(_("shop kind"), max_length=8, choices=ShopKind.choices, blank=True)
    enterprise_category = models.CharField(
        _("enterprise category"), max_length=16, choices=EnterpriseCategory.choices, blank=True
    )
    key_place_kind = models.CharField(
        _("key place kind"), max_length=16, choices=KeyPlaceKind.choices, blank=True
    )
    # A stable code: given by the bureau's address register, or derived from the beat code
    # and the normalised address (see registry.normalize.address_code), so a re-import of the
    # same address finds the same place.
    address_code = models.CharField(_("address code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    road = models.CharField(_("road / street"), max_length=100, blank=True)
    house_number = models.CharField(_("house number"), max_length=30, blank=True)
    building = models.CharField(_("building"), max_length=30, blank=True)
    entrance = models.CharField(_("unit (entrance)"), max_length=20, blank=True)
    room = models.CharField(_("room"), max_length=20, blank=True)
    address = models.CharField(_("full address"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["unit_path", "road", "house_number", "building", "entrance", "room"]
        indexes = [
            models.Index(fields=["unit_path", "kind"], name="reg_place_scope_kind"),
            models.Index(fields=["beat", "kind"], name="reg_place_beat_kind"),
        ]

    def __str__(self) -> str:
        return self.name or self.address or self.address_code

    def compose_address(self) -> str:
        return compose_address(
            self.road, self.house_number, self.building, self.entrance, self.room
        )


def compose_address(road: str, number: str, building: str, entrance: str, room: str) -> str:
    """许昌市 style: 文峰路 12号 3栋 2单元 501室 (the suffix only where it is not already there)."""
    parts = [road]
    for value, suffix in ((number, "号"), (building, "栋"), (entrance, "单元"), (room, "室")):
        if value:
            parts.append(
                value if value.endswith(suffix) or not value[-1].isdigit() else value + suffix
            )
    return "".join(p for p in parts if p)


class Household(TimeStampedModel):
    """The household (户) living at a dwelling, with its householder (户主) and the house's use."""

    class Use(models.TextChoices):
        OWNER = "owner", _("Owner-occupied")
        RENTED = "rented", _("Rented")
        BORROWED = "borrowed", _("Borrowed empty house")
        VACANT = "vacant", _("Vacant")

    place = models.OneToOneField(
        Place, verbose_name=_("dwelling"), on_delete=models.CASCADE, related_name="household"
    )
    unit_path = PathField(_("beat path"), editable=False)
    use = models.CharField(_("use"), max_length=10, choices=Use.choices, default=Use.OWNER)
    householder = models.ForeignKey(
        "Person",
        verbose_name=_("householder"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    landlord_name = models.CharField(_("landlord"), max_length=50, blank=True)
    landlord_phone_enc = models.TextField(blank=True, editable=False)
    landlord_phone_masked = models.CharField(
        _("landlord phone"), max_length=20, blank=True, editable=False
    )
    landlord_phone_hash = models.CharField(max_length=32, blank=True, editable=False)
    # What the visit form's "承租人情况" says, in the officer's words; tenants who are known by
    # ID number are also Person rows with relation=tenant.
    tenants = models.TextField(_("tenants"), blank=True)
    # 人户分离: set from the residents' registered and actual residence, or by a visit.
    separated = models.BooleanField(_("registered elsewhere (人户分离)"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [
            models.Index(fields=["unit_path", "use"], name="reg_household_scope_use"),
            models.Index(fields=["unit_path", "separated"], name="reg_household_scope_sep"),
        ]

    def __str__(self) -> str:
        return str(self.place)

    @property
    def rented(self) -> bool:
        return self.use == self.Use.RENTED

    @property
    def borrowed_empty(self) -> bool:
        return self.use == self.Use.BORROWED


class PersonQuerySet(ScopedQuerySet):
    def with_id_number(self, value: str) -> PersonQuerySet:
        from zoufang.registry.crypto import lookup_hash
        from zoufang.registry.normalize import clean_id_text

        return self.filter(id_hash=lookup_hash(clean_id_text(value)))

    def with_phone(self, value: str) -> PersonQuerySet:
        from zoufang.registry.crypto import lookup_hash
        from zoufang.registry.normalize import clean_phone_text

        return self.filter(phone_hash=lookup_hash(clean_phone_text(value)))


class Person(TimeStampedModel):
    """A person (人) known to the beat. ID number and phone are encrypted; see crypto.py."""

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Relation(models.TextChoices):
        HOUSEHOLDER = "householder", _("Householder")
        MEMBER = "member", _("Family member")
        TENANT = "tenant", _("Tenant")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=50)
    id_enc = models.TextField(blank=True, editable=False)
    id_hash = models.CharField(max_length=32, blank=True, editable=False)
    id_masked = models.CharField(_("ID number"), max_length=20, blank=True, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=32, blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    registered_address = models.CharField(
        _("registered residence (户籍地)"), max_length=255, blank=True
    )
    actual_address = models.CharField(_("actual residence"), max_length=255, blank=True)
    separated = models.BooleanField(_("registered elsewhere (人户分离)"), default=False)
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
    )
    relation = models.CharField(
        _("relation to householder"), max_length=12, choices=Relation.choices, blank=True
    )
    living_since = models.DateField(_("living here since"), null=True, blank=True)
    # Columns of an imported roster the registry has no field for (民族, 工作单位, 居住人数 …),
    # by their header: kept, shown on the person's page, never dropped.
    extra = models.JSONField(_("extra fields"), null=True, blank=True)
    # The ID number's region code never existed (normalize.region_known): kept, but flagged
    # for checking — a typo the check digit did not catch, or a code newer than our tables.
    region_unknown = models.BooleanField(
        _("region code unknown"), default=False, db_default=False, editable=False
    )
    unit_path = PathField(_("beat path"), editable=False)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["unit_path", "name"]
        indexes = [
            models.Index(fields=["unit_path", "name"], name="reg_person_scope_name"),
            models.Index(fields=["unit_path", "separated"], name="reg_person_scope_sep"),
            models.Index(fields=["phone_hash"], name="reg_person_phone"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_hash"], condition=~Q(id_hash=""), name="reg_person_unique_id"
            )
        ]

    def __str__(self) -> str:
        return self.name


class KeyPerson(TimeStampedModel):
    """重点人员: a person under attention, with a category and a control level. Visible only
    to the roles in `zoufang.registry.access.KEY_PERSON_ROLES`."""

    class Category(models.TextChoices):
        STABILITY = "stability", _("Stability-related (涉稳)")
        TERROR = "terror", _("Terror-related (涉恐)")
        DRUGS = "drugs", _("Drug-related (涉毒)")
        RELEASED = "released", _("Released prisoner")
        MENTAL = "mental", _("Severe mental disorder with risk")
        FUGITIVE = "fugitive", _("Fugitive (在逃)")
        GANG = "gang", _("Gang-related (涉黑涉恶)")
        OTHER = "other", _("Other")

    class Level(models.TextChoices):
        WATCH = "watch", _("General attention")
        FOCUS = "focus", _("Focused attention")
        CONTROL = "control", _("Strict control")

    person = models.OneToOneField(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="key_record"
    )
    unit_path = PathField(_("beat path"), editable=False)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    control_level = models.CharField(_("control level"), max_length=8, choices=Level.choices)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("key person")
        verbose_name_plural = _("key persons")
        indexes = [models.Index(fields=["unit_path", "category"], name="reg_keyperson_scope")]

    def __str__(self) -> str:
        return str(self.person)


class OrgBase(TimeStampedModel):
    """What shops and enterprises share: name, credit code and the three "key" flags."""

    place = models.OneToOneField(Place, verbose_name=_("place"), on_delete=models.CASCADE)
    unit_path = PathField(_("beat path"), editable=False)
    name = models.CharField(_("name"), max_length=100)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    key_industry = models.BooleanField(_("key industry (重点行业)"), default=False)
    key_items = models.BooleanField(_("key items involved"), default=False)
    key_persons = models.BooleanField(_("key persons involved"), default=False)
    contact_name = models.CharField(_("person in charge"), max_length=50, blank=True)
    contact_phone_enc = models.TextField(blank=True, editable=False)
    contact_phone_hash = models.CharField(max_length=32, blank=True, editable=False)
    contact_phone_masked = models.CharField(_("contact phone"), max_length=20, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


def _unique_credit_code(name: str) -> models.UniqueConstraint:
    """A credit code names one shop (one enterprise); blank ones are many."""
    return models.UniqueConstraint(fields=["credit_code"], condition=~Q(credit_code=""), name=name)


class Shop(OrgBase):
    """A shop (门店): street-front, small neighbourhood shop or market stall; the 进店 visit."""

    business_scope = models.CharField(_("business scope"), max_length=255, blank=True)
    operating_mode = models.CharField(_("way of operating"), max_length=100, blank=True)
    goods_source = models.CharField(_("source of goods"), max_length=255, blank=True)
    sales_destination = models.CharField(_("where sold"), max_length=255, blank=True)
    owner_staff = models.TextField(_("owner and staff"), blank=True)

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        default_related_name = "shop"
        indexes = [models.Index(fields=["unit_path", "key_industry"], name="reg_shop_scope_key")]
        constraints = [_unique_credit_code("reg_shop_unique_uscc")]


class Enterprise(OrgBase):
    """An enterprise or institution (企事业单位); the 访企 visit."""

    nature = models.CharField(_("nature"), max_length=50, blank=True)
    category = models.CharField(
        _("category"), max_length=16, choices=Place.EnterpriseCategory.choices, blank=True
    )
    staff_count = models.PositiveIntegerField(_("staff"), null=True, blank=True)
    staff_composition = models.TextField(_("staff composition"), blank=True)
    security_org = models.CharField(
        _("security organisation (保卫机构)"), max_length=100, blank=True
    )
    protective_measures = models.TextField(_("protective measures"), blank=True)
    vital_parts = models.TextField(_("key vital parts (重点要害部位)"), blank=True)

    class Meta:
        verbose_name = _("enterprise or institution")
        verbose_name_plural = _("enterprises and institutions")
        default_related_name = "enterprise"
        indexes = [models.Index(fields=["unit_path", "category"], name="reg_enterprise_scope_cat")]
        constraints = [_unique_credit_code("reg_ent_unique_uscc")]


class KeyItem(TimeStampedModel):
    """重点物品 (物): dangerous or controlled items, who holds them and where they are kept."""

    class Kind(models.TextChoices):
        EXPLOSIVE = "explosive", _("Explosive or dangerous goods (危爆物品)")
        TOXIC = "toxic", _("Highly toxic chemicals")
        KNIFE = "knife", _("Controlled knives")
        PRECURSOR = "precursor", _("Drug precursor chemicals")
        RADIOACTIVE = "radioactive", _("Radioactive material")
        GUN = "gun", _("Guns and ammunition")
        OTHER = "other", _("Other")

    place = models.ForeignKey(
        Place, verbose_name=_("kept at"), on_delete=models.CASCADE, related_name="key_items"
    )
    unit_path = PathField(_("beat path"), editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("item"), max_length=100)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=0)
    measure = models.CharField(_("measure"), max_length=10, blank=True)
    holder = models.CharField(_("holder"), max_length=100, blank=True)
    storage = models.CharField(_("where kept"), max_length=255, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("key item")
        verbose_name_plural = _("key items")
        indexes = [models.Index(fields=["unit_path", "kind"], name="reg_keyitem_scope_kind")]

    def __str__(self) -> str:
        return self.name


class ChangeQuerySet(ScopedQuerySet):
    def for_record(self, entity: str, object_id: int) -> ChangeQuerySet:
        return self.filter(entity=entity, object_id=object_id)


class Change(models.Model):
    """One changed field of one registry record (动态情况): old → new, who, when, how.

    Written by the services (manual edits, visits) and set-based by imports. A record's
    creation is one row with field "" ; an import's creations are counted on its ImportJob
    instead of one row each (see docs/decisions/registry-storage.md). Personal values (ID
    numbers, phones) are kept masked here."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Edited")
        VISIT = "visit", _("Visit")
        IMPORT = "import", _("Import")

    entity = models.CharField(_("record type"), max_length=16)
    object_id = models.BigIntegerField()
    unit_path = PathField(_("beat path"), editable=False)
    field = models.CharField(_("field"), max_length=40, blank=True)
    old = models.TextField(_("old value"), blank=True)
    new = models.TextField(_("new value"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    job = models.ForeignKey(
        "ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    created_at = models.DateTimeField(_("when"), db_default=Now())

    objects = ChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("registry change")
        verbose_name_plural = _("registry changes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["entity", "object_id"], name="reg_change_record"),
            models.Index(fields=["unit_path", "created_at"], name="reg_change_scope_time"),
        ]

    def __str__(self) -> str:
        return f"{self.entity}#{self.object_id} {self.field}"


class ImportJob(TimeStampedModel):
    """One spreadsheet import: its file, progress, counts and outcome. The page polls it."""

    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("Households and persons")
        SHOP = "shop", _("Shops")
        ENTERPRISE = "enterprise", _("Enterprises and institutions")
        KEY_PERSON = "key_person", _("Key persons")
        KEY_ITEM = "key_item", _("Key items")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("into unit"), on_delete=models.PROTECT, related_name="+"
    )
    unit_path = PathField(_("unit path"), editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_path = models.CharField(max_length=500)
    file_name = models.CharField(_("file"), max_length=255)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    # Data rows up to this file row number are in the registry (batches commit one by one).
    committed_through_row = models.PositiveIntegerField(default=0)
    error = models.TextField(_("error"), blank=True)
    # How the file's header was read: {"recognised": [[header, template label], …],
    # "extra": [header, …] (kept on the person), "ignored": [header, …]}.
    columns = models.JSONField(_("columns read"), default=dict, blank=True)
    report_path = models.CharField(max_length=500, blank=True)
    # The file's header row as it was (the report repeats it) and the rejected rows counted by
    # reason (a dry run stores only a sample of the rows, so the counts are kept here).
    header = models.JSONField(default=list, blank=True)
    reason_counts = models.JSONField(default=dict, blank=True)
    # For each reason of reason_counts: [msgid, params], so that the page says it in the
    # reader's language (imports.reasons); a reason missing here is shown as stored.
    reason_codes = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["unit_path", "created_at"], name="reg_import_scope")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(self.processed_rows * 100 / self.total_rows))

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    def reasons_shown(self, limit: int = 20) -> list[tuple[str, int]]:
        """The most frequent reasons, each in the active language, with their counts."""
        from zoufang.registry.imports.reasons import say

        top = sorted(self.reason_counts.items(), key=lambda kv: -kv[1])[:limit]
        codes = self.reason_codes or {}
        return [(say(text, *(codes.get(text) or ("", None))), n) for text, n in top]


class ImportRejection(models.Model):
    """A row the import did not take: file row number, column and reason."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rejections")
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=50, blank=True)
    value = models.CharField(_("value"), max_length=255, blank=True)
    reason = models.CharField(_("reason"), max_length=255)  # as worded when the job ran
    # The reason's msgid and parameters (imports.reasons), to say it in the reader's language;
    # blank for rows of jobs run before they were kept (their reason is shown as stored).
    reason_msgid = models.TextField(blank=True)
    reason_params = models.JSONField(null=True, blank=True)
    # The row's cells as they were in the file (personal columns sealed, see jobs._seal_cells),
    # so the report can give the row back to be fixed and imported again.
    cells = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")
        ordering = ["job", "row", "id"]

    def __str__(self) -> str:
        return f"{self.row}: {self.reason}"

    @property
    def reason_shown(self) -> str:
        """The reason in the active language."""
        from zoufang.registry.imports.reasons import say

        return say(self.reason, self.reason_msgid, self.reason_params)
