"""Spreadsheet import: read (csv / xlsx), recognise the header, clean and check each row,
then load in batches — on PostgreSQL by COPY into a staging table, on SQLite by executemany
into one — and upsert with set-based SQL that also writes the history rows.

The pipeline, per file:
  1. `open_table` checks the file (size, kind, not empty), finds the header row among the
     first rows (title rows above it are skipped) and maps its columns through the synonyms.
  2. `Spec.prepare` turns each data row into a staging tuple or a list of rejections
     (row number, column, reason). Blank rows are skipped. Nothing is guessed.
  3. `Loader.load_batch` (one transaction per batch) fills the staging table, rejects rows
     that duplicate an earlier row of the file or that would touch records outside the
     user's jurisdiction, counts created / updated / unchanged, writes one history row per
     changed field of every existing record, and upserts by natural key (address code, ID
     number hash, place of the shop or enterprise). A blank cell never erases a stored value.
A failed batch rolls back alone; the job says up to which row the file made it.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.org.models import Unit
from zoufang.registry import normalize as norm
from zoufang.registry.crypto import Sealer
from zoufang.registry.models import Household, KeyItem, KeyPerson, Person, Place

HEADER_SCAN_ROWS = 30
PERSONAL_COLUMNS = frozenset({"id_number", "phone", "landlord_phone", "contact_phone"})


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message says why, for the user."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the header in the downloadable template
    synonyms: tuple[str, ...] = ()
    required: bool = False
    example: str = ""


def _header_key(text: object) -> str:
    value = norm.clean_text(text).replace(" ", "").lower()
    for ch in "*＊:：":
        value = value.replace(ch, "")
    for open_, close in (("(", ")"), ("[", "]"), ("【", "】")):
        if open_ in value and value.endswith(close):
            value = value[: value.index(open_)]
    return value


# ---- reading ---------------------------------------------------------------------------------


@dataclass
class Table:
    header_row: int  # 1-based file row of the header
    mapping: dict[int, str]  # column index -> column key
    rows: Iterator[tuple[int, Sequence[Any]]]  # (file row number, cells) after the header
    unknown_headers: list[str] = field(default_factory=list)


def _sniff(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    return "csv"


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    with path.open("rb") as fh:
        sample = fh.read(65536)
    if b"\x00" in sample:
        raise ImportFileError(_("This file is not a spreadsheet (xlsx or csv)."))
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        encoding = "gb18030"  # Excel on a Chinese Windows saves csv in GBK
    with path.open(encoding=encoding, newline="") as fh:
        try:
            dialect = csv.Sniffer().sniff(fh.read(8192), delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        fh.seek(0)
        yield from enumerate(csv.reader(fh, dialect), start=1)


# Above this size an .xlsx is read by the streaming reader (xlsxstream), which holds one row at a
# time; python-calamine, which reads the whole sheet first, keeps .xls, .ods and small .xlsx
# files (docs/decisions/0003-streaming-xlsx-reader.md).
STREAM_XLSX_ABOVE_BYTES = 2 * 1024 * 1024


def _is_xlsx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return "xl/workbook.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _excel_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    if path.stat().st_size > STREAM_XLSX_ABOVE_BYTES and _is_xlsx(path):
        yield from _streamed_xlsx_rows(path)
        return
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except (CalamineError, zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportFileError(_("This file is not a readable spreadsheet (xlsx or csv).")) from exc
    start = sheet.start[0] if sheet.start else 0
    for offset, row in enumerate(sheet.iter_rows()):
        yield start + offset + 1, row


def _streamed_xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    import zlib

    from zoufang.registry import xlsxstream

    try:
        yield from xlsxstream.iter_rows_in_child(str(path))
    except (xlsxstream.XlsxError, zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ImportFileError(_("This file is not a readable spreadsheet (xlsx or csv).")) from exc


def _is_blank(row: Sequence[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in row)


def open_table(path: Path, columns: Sequence[Column]) -> Table:
    """Check the file and find its header; raises ImportFileError with one clear message."""
    if not path.exists() or path.stat().st_size == 0:
        raise ImportFileError(_("The file is empty."))
    limit = settings.REGISTRY_IMPORT_MAX_MB * 1024 * 1024
    if path.stat().st_size > limit:
        raise ImportFileError(
            _("The file is larger than %(mb)s MB; split it into smaller files.")
            % {"mb": settings.REGISTRY_IMPORT_MAX_MB}
        )
    kind = _sniff(path)
    rows = _csv_rows(path) if kind == "csv" else _excel_rows(path)
    try:
        lookup: dict[str, str] = {}
        for col in columns:
            for name in (col.label, col.key, *col.synonyms):
                lookup.setdefault(_header_key(name), col.key)
        required = {c.key for c in columns if c.required}
        seen_any = False
        for number, row in rows:
            if number > HEADER_SCAN_ROWS:
                break
            if _is_blank(row):
                continue
            seen_any = True
            mapping: dict[int, str] = {}
            unknown = []
            for index, cell in enumerate(row):
                key = lookup.get(_header_key(cell)) if cell not in (None, "") else None
                if key and key not in mapping.values():
                    mapping[index] = key
                elif cell not in (None, ""):
                    unknown.append(norm.clean_text(cell))
            if required <= set(mapping.values()):
                return Table(header_row=number, mapping=mapping, rows=rows, unknown_headers=unknown)
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("This file is not a spreadsheet (xlsx or csv).")) from exc
    except csv.Error as exc:
        raise ImportFileError(
            _("This file is not a readable csv file: %(e)s") % {"e": exc}
        ) from exc
    if not seen_any:
        raise ImportFileError(_("The file is empty."))
    labels = "、".join(c.label for c in columns if c.required)
    raise ImportFileError(
        _(
            "No header row found in the first %(n)s rows. The header must name at least "
            "these columns: %(labels)s. Download the template to see all columns."
        )
        % {"n": HEADER_SCAN_ROWS, "labels": labels}
    )


# ---- specs: what each kind of file holds, and how a row becomes a staging tuple --------------


@dataclass
class Rejection:
    row: int
    column: str
    value: str
    reason: str


class Context:
    """What preparing rows needs to know: the beats the job may write to, and the keys."""

    def __init__(self, unit: Unit, scope_path: str) -> None:
        self.unit = unit
        # The job writes only into the intersection of the chosen unit and the user's scope;
        # the caller has checked that the unit is inside the scope, so it is the unit's subtree.
        self.path = unit.path if unit.path.startswith(scope_path) else scope_path
        self.beats: dict[str, tuple[int, str, str]] = {}
        self.beat_names: dict[str, tuple[int, str, str] | None] = {}
        for pk, code, name, path in Unit.objects.filter(
            level=Unit.Level.BEAT, path__startswith=self.path
        ).values_list("pk", "code", "name", "path"):
            self.beats[code] = (pk, code, path)
            # A name shared by two beats of the subtree is ambiguous: the code is needed.
            self.beat_names[name] = None if name in self.beat_names else (pk, code, path)
        self.default_beat = self.beats.get(unit.code) if unit.level == Unit.Level.BEAT else None
        # Every other unit, so that preparing rows never touches the database (it runs in a
        # reader thread): a code or name found here is outside the job's subtree.
        self.elsewhere: set[str] = set()
        for code, name in Unit.objects.exclude(path__startswith=self.path).values_list(
            "code", "name"
        ):
            self.elsewhere.update((code, name))
        self.sealer = Sealer()
        self.now = timezone.now()
        self._outside: dict[str, bool] | None = None
        self.last_place: tuple[tuple, tuple | None] = ((), None)  # see _place_part

    def resolve_beat(self, value: Any) -> tuple[int, str, str]:
        text = norm.clean_text(value)
        if not text:
            if self.default_beat is None:
                raise norm.Bad(
                    _("The beat is missing: importing into a station or county needs a beat code.")
                )
            return self.default_beat
        code = text.replace(" ", "")
        if code in self.beats:
            return self.beats[code]
        named = self.beat_names.get(text)
        if named:
            return named
        if text in self.beat_names:
            raise norm.Bad(_("Two beats have this name; give the beat code."))
        if code in self.elsewhere or text in self.elsewhere:
            raise norm.Bad(_("This beat is outside your jurisdiction."))
        raise norm.Bad(_("Unknown beat: %(v)s") % {"v": text})


@dataclass
class Spec:
    kind: str
    columns: tuple[Column, ...]
    stage: tuple[tuple[str, str], ...]  # staging columns (name, type)
    prepare_fn: Callable[[Context, dict[str, Any], Callable[[str, Any, str], None]], tuple | None]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def prepare(
        self, ctx: Context, number: int, cells: Sequence[Any], mapping: dict[int, str]
    ) -> tuple[tuple | None, list[Rejection]]:
        values = {key: cells[i] if i < len(cells) else None for i, key in mapping.items()}
        problems: list[Rejection] = []

        def reject(key: str, value: Any, reason: str) -> None:
            label = self.column(key).label if key else ""
            shown = "" if value is None else str(value)
            if key in PERSONAL_COLUMNS and len(shown) > 8:
                # The report is stored and downloaded: personal values stay masked in it.
                shown = norm.mask_id(norm.clean_compact(shown))
            problems.append(Rejection(number, label, shown[:255], reason))

        staged = self.prepare_fn(ctx, values, reject)
        if problems:
            return None, problems
        return (number, *staged), []  # type: ignore[misc]


ADDRESS_COLUMNS = (
    Column(
        "beat",
        "社区编码",
        ("警务区编码", "社区代码", "所属社区", "社区", "社区名称", "责任区", "社区/村", "村(社区)"),
        example="411002001001",
    ),
    Column("address_code", "地址编码", ("标准地址编码", "地址代码", "门楼牌编码")),
    Column(
        "road",
        "街路巷",
        ("道路", "街道", "路名", "街路巷名称", "道路名称", "街路"),
        example="文峰路",
    ),
    Column("house_number", "门牌号", ("门牌", "门牌号码", "号"), example="12"),
)

PLACE_STAGE = (
    ("row_no", "int"),
    ("beat_id", "int"),
    ("unit_path", "text"),
    ("address_code", "text"),
    ("road", "text"),
    ("house_number", "text"),
    ("building", "text"),
    ("entrance", "text"),
    ("room", "text"),
    ("address", "text"),
)


def _place_part(
    ctx: Context, v: dict[str, Any], reject: Callable, *, dwelling: bool
) -> tuple | None:
    # The rows of one dwelling usually follow each other: the same raw address cells give
    # the same place part, so it is worked out once (only for an address that was accepted).
    raw = tuple(v.get(k) for k in _PLACE_KEYS)
    if raw == ctx.last_place[0]:
        return ctx.last_place[1]
    try:
        beat_id, beat_code, path = ctx.resolve_beat(v.get("beat"))
    except norm.Bad as exc:
        reject("beat", v.get("beat"), str(exc))
        return None
    road = norm.clean_text(v.get("road"))
    number = norm.clean_compact(v.get("house_number")).removesuffix("号")
    building = norm.clean_compact(v.get("building")).removesuffix("栋").removesuffix("号楼")
    entrance = norm.clean_compact(v.get("entrance")).removesuffix("单元")
    room = norm.clean_compact(v.get("room")).removesuffix("室")
    code = norm.clean_address_code(v.get("address_code"))
    if not code and not road:
        reject("road", "", _("The address is missing: give the road (街路巷) or the address code."))
        return None
    from zoufang.registry.models import compose_address

    address = compose_address(road, number, building, entrance, room)
    code = code or norm.address_code(beat_code, road, number, building, entrance, room)
    del dwelling  # the same address parts for every kind of place
    part = (beat_id, path, code, road, number, building, entrance, room, address)
    ctx.last_place = (raw, part)
    return part


_PLACE_KEYS = ("beat", "road", "house_number", "building", "entrance", "room", "address_code")


def _id_part(ctx: Context, v: dict[str, Any], reject: Callable) -> tuple | None:
    try:
        number, sex, birth = norm.parse_id_number(v.get("id_number"))
    except norm.Bad as exc:
        reject("id_number", v.get("id_number"), str(exc))
        return None
    s = ctx.sealer
    return (s.encrypt(number), s.hash(number), norm.mask_id(number), sex, birth)


def _phone_part(ctx: Context, v: dict[str, Any], key: str, reject: Callable) -> tuple:
    try:
        phone = norm.parse_phone(v.get(key))
    except norm.Bad as exc:
        reject(key, v.get(key), str(exc))
        return ("", "", "")
    s = ctx.sealer
    return (s.encrypt(phone), s.hash(phone), norm.mask_phone(phone))


USE_WORDS = {
    "自住": Household.Use.OWNER,
    "自有": Household.Use.OWNER,
    "自有住房": Household.Use.OWNER,
    "出租": Household.Use.RENTED,
    "租赁": Household.Use.RENTED,
    "租住": Household.Use.RENTED,
    "出租房屋": Household.Use.RENTED,
    "租赁房屋": Household.Use.RENTED,
    "借用": Household.Use.BORROWED,
    "借用空房": Household.Use.BORROWED,
    "借住": Household.Use.BORROWED,
    "空置": Household.Use.VACANT,
    "空房": Household.Use.VACANT,
    "闲置": Household.Use.VACANT,
}
RELATION_WORDS = {
    "户主": Person.Relation.HOUSEHOLDER,
    "本人": Person.Relation.HOUSEHOLDER,
    "租户": Person.Relation.TENANT,
    "承租人": Person.Relation.TENANT,
    "租客": Person.Relation.TENANT,
}


def _choice(v: dict[str, Any], key: str, words: dict[str, str], reject: Callable) -> str:
    text = norm.clean_compact(v.get(key))
    if not text:
        return ""
    if text in words:
        return words[text]
    if text in words.values():
        return text
    reject(
        key, text, _("Unknown value %(v)s; use one of: %(w)s") % {"v": text, "w": "、".join(words)}
    )
    return ""


def _date(v: dict[str, Any], key: str, reject: Callable) -> dt.date | None:
    try:
        return norm.parse_date(v.get(key))
    except norm.Bad as exc:
        reject(key, v.get(key), str(exc))
        return None


def _bool(v: dict[str, Any], key: str, reject: Callable) -> bool | None:
    try:
        return norm.parse_bool(v.get(key))
    except norm.Bad as exc:
        reject(key, v.get(key), str(exc))
        return None


def _prepare_household(ctx: Context, v: dict[str, Any], reject: Callable) -> tuple | None:
    place = _place_part(ctx, v, reject, dwelling=True)
    ident = _id_part(ctx, v, reject)
    phone = _phone_part(ctx, v, "phone", reject)
    landlord_phone = _phone_part(ctx, v, "landlord_phone", reject)
    name = norm.clean_text(v.get("name"))
    if not name:
        reject("name", "", _("The name is missing."))
    use = _choice(v, "use", USE_WORDS, reject)
    # 配偶, 子女, 父亲 … are all family members; only the householder and tenants matter here.
    relation = RELATION_WORDS.get(norm.clean_compact(v.get("relation")), Person.Relation.MEMBER)
    living_since = _date(v, "living_since", reject)
    if place is None or ident is None or not name:
        return None
    registered = norm.clean_text(v.get("registered_address"))
    actual = norm.clean_text(v.get("actual_address"))
    separated = norm.is_separated(registered, actual or place[-1])
    return (
        *place,
        use,
        norm.clean_text(v.get("landlord_name")),
        landlord_phone[0],
        landlord_phone[2],
        landlord_phone[1],
        name[:50],
        *ident,
        *phone,
        relation,
        registered[:255],
        actual[:255],
        separated,
        living_since,
    )


HOUSEHOLD_COLUMNS = (
    *ADDRESS_COLUMNS,
    Column("building", "楼栋", ("楼栋号", "楼号", "栋", "幢"), example="3"),
    Column("entrance", "单元", ("单元号",), example="2"),
    Column("room", "房号", ("房间号", "室", "户室号", "房间"), example="501"),
    Column("use", "房屋用途", ("房屋类型", "居住类型", "房屋性质", "房屋使用情况"), example="自住"),
    Column("name", "姓名", ("人员姓名", "居民姓名", "户主姓名"), required=True, example="王建国"),
    Column(
        "id_number",
        "身份证号",
        ("身份证号码", "公民身份号码", "证件号码", "身份证", "身份证件号码"),
        required=True,
        example="410102198503040356",
    ),
    Column(
        "phone",
        "联系电话",
        ("电话", "手机", "手机号", "手机号码", "联系方式"),
        example="13803740001",
    ),
    Column("relation", "与户主关系", ("关系", "人员类别", "身份"), example="户主"),
    Column("registered_address", "户籍地址", ("户籍地", "户籍所在地", "户籍地详址")),
    Column("actual_address", "实际居住地址", ("实际居住地", "现住址", "居住地址")),
    Column("living_since", "入住日期", ("居住起始日期", "入住时间"), example="2020-05-01"),
    Column("landlord_name", "房东姓名", ("房东", "出租人")),
    Column("landlord_phone", "房东电话", ("出租人电话",)),
)

HOUSEHOLD_STAGE = (
    *PLACE_STAGE,
    ("use", "text"),
    ("landlord_name", "text"),
    ("landlord_phone_enc", "text"),
    ("landlord_phone_masked", "text"),
    ("landlord_phone_hash", "text"),
    ("name", "text"),
    ("id_enc", "text"),
    ("id_hash", "text"),
    ("id_masked", "text"),
    ("sex", "text"),
    ("birth_date", "date"),
    ("phone_enc", "text"),
    ("phone_hash", "text"),
    ("phone_masked", "text"),
    ("relation", "text"),
    ("registered_address", "text"),
    ("actual_address", "text"),
    ("separated", "bool"),
    ("living_since", "date"),
)

ORG_COMMON_COLUMNS = (
    Column(
        "credit_code",
        "统一社会信用代码",
        ("信用代码", "社会信用代码", "统一信用代码", "营业执照号"),
        example="91411000MA44XXXXXX",
    ),
    Column(
        "contact_name", "负责人", ("联系人", "法定代表人", "店主", "店主姓名", "经营者", "法人")
    ),
    Column("contact_phone", "联系电话", ("电话", "手机", "手机号", "负责人电话", "店主电话")),
    Column("key_industry", "是否重点行业", ("重点行业", "是否涉及重点行业"), example="否"),
    Column("key_items", "是否涉及重点物品", ("重点物品", "涉及重点物品"), example="否"),
    Column("key_persons", "是否涉及重点人员", ("重点人员", "涉及重点人员"), example="否"),
    Column("opened_on", "开业日期", ("成立日期", "开业时间", "成立时间"), example="2019-03-01"),
)

ORG_STAGE = (
    ("name", "text"),
    ("credit_code", "text"),
    ("contact_name", "text"),
    ("contact_phone_enc", "text"),
    ("contact_phone_hash", "text"),
    ("contact_phone_masked", "text"),
    ("key_industry", "bool"),
    ("key_items", "bool"),
    ("key_persons", "bool"),
    ("opened_on", "date"),
)


def _org_part(ctx: Context, v: dict[str, Any], reject: Callable) -> tuple | None:
    name = norm.clean_text(v.get("name"))
    if not name:
        reject("name", "", _("The name is missing."))
    try:
        credit = norm.parse_credit_code(v.get("credit_code"))
    except norm.Bad as exc:
        reject("credit_code", v.get("credit_code"), str(exc))
        credit = ""
    phone = _phone_part(ctx, v, "contact_phone", reject)
    flags = [_bool(v, k, reject) for k in ("key_industry", "key_items", "key_persons")]
    opened = _date(v, "opened_on", reject)
    return (
        name[:100],
        credit,
        norm.clean_text(v.get("contact_name"))[:50],
        *phone,
        *flags,
        opened,
    )


SHOP_KIND_WORDS = {
    "沿街门店": Place.ShopKind.STREET,
    "沿街": Place.ShopKind.STREET,
    "门店": Place.ShopKind.STREET,
    "市井小店": Place.ShopKind.SMALL,
    "小店": Place.ShopKind.SMALL,
    "集市店铺": Place.ShopKind.MARKET,
    "集市": Place.ShopKind.MARKET,
    "摊位": Place.ShopKind.MARKET,
}

SHOP_COLUMNS = (
    *ADDRESS_COLUMNS,
    Column(
        "name",
        "店名",
        ("门店名称", "名称", "店铺名称", "商户名称"),
        required=True,
        example="老街烟酒店",
    ),
    Column("shop_kind", "门店类型", ("类型", "门店类别", "店铺类型"), example="沿街门店"),
    Column("business_scope", "经营范围", (), example="烟酒副食"),
    Column("operating_mode", "营业方式", ("经营方式",), example="个体经营"),
    Column("goods_source", "商品来源", ("货源", "进货渠道")),
    Column("sales_destination", "销售去向", ("销售渠道",)),
    Column("owner_staff", "店员情况", ("从业人员", "店主、店员基本情况", "店员")),
    *ORG_COMMON_COLUMNS,
)

SHOP_STAGE = (
    *PLACE_STAGE,
    ("shop_kind", "text"),
    *ORG_STAGE,
    ("business_scope", "text"),
    ("operating_mode", "text"),
    ("goods_source", "text"),
    ("sales_destination", "text"),
    ("owner_staff", "text"),
)


def _prepare_shop(ctx: Context, v: dict[str, Any], reject: Callable) -> tuple | None:
    place = _place_part(ctx, v, reject, dwelling=False)
    kind = _choice(v, "shop_kind", SHOP_KIND_WORDS, reject)
    org = _org_part(ctx, v, reject)
    if place is None or org is None:
        return None
    return (
        *place,
        kind,
        *org,
        *(norm.clean_text(v.get(k))[:255] for k in ("business_scope", "operating_mode")),
        norm.clean_text(v.get("goods_source"))[:255],
        norm.clean_text(v.get("sales_destination"))[:255],
        norm.clean_text(v.get("owner_staff")),
    )


CATEGORY_WORDS = {
    "党政机关": Place.EnterpriseCategory.GOVERNMENT,
    "医院学校": Place.EnterpriseCategory.HOSPITAL_SCHOOL,
    "医院": Place.EnterpriseCategory.HOSPITAL_SCHOOL,
    "学校": Place.EnterpriseCategory.HOSPITAL_SCHOOL,
    "金融通信": Place.EnterpriseCategory.FINANCE_TELECOM,
    "金融": Place.EnterpriseCategory.FINANCE_TELECOM,
    "通信": Place.EnterpriseCategory.FINANCE_TELECOM,
    "车站码头": Place.EnterpriseCategory.STATION_DOCK,
    "水电气热": Place.EnterpriseCategory.UTILITIES,
    "厂矿企业": Place.EnterpriseCategory.FACTORY_MINE,
    "企业": Place.EnterpriseCategory.FACTORY_MINE,
    "其他": Place.EnterpriseCategory.OTHER,
}

ENTERPRISE_COLUMNS = (
    *ADDRESS_COLUMNS,
    Column(
        "name", "单位名称", ("名称", "企业名称", "单位"), required=True, example="许昌市第一中学"
    ),
    Column("category", "单位类别", ("类别", "行业类别"), example="医院学校"),
    Column("nature", "单位性质", ("性质", "企业性质"), example="事业单位"),
    Column("staff_count", "职工人数", ("员工人数", "从业人数", "人数"), example="120"),
    Column("staff_composition", "职员构成", ("人员构成",)),
    Column("security_org", "保卫机构", ("保卫部门",), example="保卫科"),
    Column("protective_measures", "安防措施", ("防范措施", "技防措施")),
    Column("vital_parts", "重点要害部位", ("要害部位",)),
    *ORG_COMMON_COLUMNS,
)

ENTERPRISE_STAGE = (
    *PLACE_STAGE,
    ("category", "text"),
    *ORG_STAGE,
    ("nature", "text"),
    ("staff_count", "int"),
    ("staff_composition", "text"),
    ("security_org", "text"),
    ("protective_measures", "text"),
    ("vital_parts", "text"),
)


def _prepare_enterprise(ctx: Context, v: dict[str, Any], reject: Callable) -> tuple | None:
    place = _place_part(ctx, v, reject, dwelling=False)
    category = _choice(v, "category", CATEGORY_WORDS, reject)
    org = _org_part(ctx, v, reject)
    try:
        staff = norm.parse_int(v.get("staff_count"))
    except norm.Bad as exc:
        reject("staff_count", v.get("staff_count"), str(exc))
        staff = None
    if place is None or org is None:
        return None
    return (
        *place,
        category,
        *org,
        norm.clean_text(v.get("nature"))[:50],
        staff,
        norm.clean_text(v.get("staff_composition")),
        norm.clean_text(v.get("security_org"))[:100],
        norm.clean_text(v.get("protective_measures")),
        norm.clean_text(v.get("vital_parts")),
    )


# ---- key persons and key items: attached to records already in the registry ------------------
# Loaded by keyloading.KeyLoader, which finds the person (ID number hash) or the place (address
# code) and rejects rows whose record is missing or outside the job's subtree.

KEY_PERSON_CATEGORY_WORDS = {
    "涉稳": KeyPerson.Category.STABILITY,
    "涉稳人员": KeyPerson.Category.STABILITY,
    "涉恐": KeyPerson.Category.TERROR,
    "涉恐人员": KeyPerson.Category.TERROR,
    "涉毒": KeyPerson.Category.DRUGS,
    "涉毒人员": KeyPerson.Category.DRUGS,
    "吸毒人员": KeyPerson.Category.DRUGS,
    "刑满释放": KeyPerson.Category.RELEASED,
    "刑满释放人员": KeyPerson.Category.RELEASED,
    "刑释人员": KeyPerson.Category.RELEASED,
    "刑释解教人员": KeyPerson.Category.RELEASED,
    "肇事肇祸精神病": KeyPerson.Category.MENTAL,
    "肇事肇祸精神病人": KeyPerson.Category.MENTAL,
    "严重精神障碍患者": KeyPerson.Category.MENTAL,
    "精神病人": KeyPerson.Category.MENTAL,
    "在逃": KeyPerson.Category.FUGITIVE,
    "在逃人员": KeyPerson.Category.FUGITIVE,
    "涉黑涉恶": KeyPerson.Category.GANG,
    "涉黑涉恶人员": KeyPerson.Category.GANG,
    "涉黑": KeyPerson.Category.GANG,
    "涉恶": KeyPerson.Category.GANG,
    "其他": KeyPerson.Category.OTHER,
}
KEY_PERSON_LEVEL_WORDS = {
    "一般关注": KeyPerson.Level.WATCH,
    "一般": KeyPerson.Level.WATCH,
    "关注": KeyPerson.Level.WATCH,
    "重点关注": KeyPerson.Level.FOCUS,
    "重点": KeyPerson.Level.FOCUS,
    "严格管控": KeyPerson.Level.CONTROL,
    "严管": KeyPerson.Level.CONTROL,
    "管控": KeyPerson.Level.CONTROL,
}

KEY_PERSON_COLUMNS = (
    Column(
        "id_number",
        "身份证号",
        ("身份证号码", "公民身份号码", "证件号码", "身份证", "身份证件号码"),
        required=True,
        example="410102198503040356",
    ),
    # Not stored (the person's name is the registry's): it makes the file and the rejected-row
    # report readable.
    Column("name", "姓名", ("人员姓名",), example="王建国"),
    Column("category", "人员类别", ("类别", "重点人员类别", "人员类型"), example="刑满释放"),
    Column(
        "control_level",
        "管控级别",
        ("管控等级", "关注级别", "管控类别", "级别"),
        example="重点关注",
    ),
    Column("note", "备注", ("说明", "情况说明", "管控措施"), example="每月见面核查一次"),
)

# The natural key fourth, where the other kinds have the address code: the reader keeps rows
# with the same value there in one batch (services._produce).
KEY_PERSON_STAGE = (
    ("row_no", "int"),
    ("id_masked", "text"),
    ("name", "text"),
    ("id_hash", "text"),
    ("category", "text"),
    ("control_level", "text"),
    ("note", "text"),
)


def _prepare_key_person(ctx: Context, v: dict[str, Any], reject: Callable) -> tuple | None:
    try:
        number, _sex, _birth = norm.parse_id_number(v.get("id_number"))
    except norm.Bad as exc:
        reject("id_number", v.get("id_number"), str(exc))
        number = ""
    category = _choice(v, "category", KEY_PERSON_CATEGORY_WORDS, reject)
    level = _choice(v, "control_level", KEY_PERSON_LEVEL_WORDS, reject)
    if not number:
        return None
    return (
        norm.mask_id(number),
        norm.clean_text(v.get("name"))[:50],
        ctx.sealer.hash(number),
        category,
        level,
        norm.clean_text(v.get("note")),
    )


KEY_ITEM_KIND_WORDS = {
    "危爆物品": KeyItem.Kind.EXPLOSIVE,
    "危险爆炸物品": KeyItem.Kind.EXPLOSIVE,
    "民用爆炸物品": KeyItem.Kind.EXPLOSIVE,
    "爆炸物品": KeyItem.Kind.EXPLOSIVE,
    "烟花爆竹": KeyItem.Kind.EXPLOSIVE,
    "剧毒化学品": KeyItem.Kind.TOXIC,
    "剧毒品": KeyItem.Kind.TOXIC,
    "管制刀具": KeyItem.Kind.KNIFE,
    "易制毒化学品": KeyItem.Kind.PRECURSOR,
    "易制毒": KeyItem.Kind.PRECURSOR,
    "放射性物品": KeyItem.Kind.RADIOACTIVE,
    "放射源": KeyItem.Kind.RADIOACTIVE,
    "枪支弹药": KeyItem.Kind.GUN,
    "枪支": KeyItem.Kind.GUN,
    "其他": KeyItem.Kind.OTHER,
}

KEY_ITEM_COLUMNS = (
    *ADDRESS_COLUMNS,
    Column("building", "楼栋", ("楼栋号", "楼号", "栋", "幢")),
    Column("entrance", "单元", ("单元号",)),
    Column("room", "房号", ("房间号", "室", "户室号", "房间")),
    Column(
        "kind",
        "物品种类",
        ("物品类别", "种类", "物品类型", "类别"),
        required=True,
        example="剧毒化学品",
    ),
    Column("name", "物品名称", ("品名", "名称", "物品"), required=True, example="氰化钠"),
    Column("quantity", "数量", ("存量", "库存数量"), example="20"),
    Column("measure", "计量单位", ("单位", "数量单位"), example="千克"),
    Column("holder", "持有人", ("持有单位", "保管人", "责任人"), example="许昌市第一中学"),
    Column(
        "storage",
        "存放位置",
        ("存放地点", "存放场所", "储存位置", "存放部位"),
        example="化学实验室专用库房",
    ),
)

KEY_ITEM_STAGE = (
    *PLACE_STAGE,
    ("kind", "text"),
    ("name", "text"),
    ("quantity", "decimal"),
    ("measure", "text"),
    ("holder", "text"),
    ("storage", "text"),
)


def _prepare_key_item(ctx: Context, v: dict[str, Any], reject: Callable) -> tuple | None:
    if norm.clean_text(v.get("address_code")) and not norm.clean_text(v.get("beat")):
        # The address code alone finds the place (and its beat): no beat column needed, even
        # when importing into a station or county.
        code = norm.clean_address_code(v.get("address_code"))
        place: tuple | None = (None, "", code, "", "", "", "", "", "")
    else:
        place = _place_part(ctx, v, reject, dwelling=False)
    kind = _choice(v, "kind", KEY_ITEM_KIND_WORDS, reject)
    if not kind and not norm.clean_text(v.get("kind")):
        reject("kind", "", _("The kind of item is missing."))
    name = norm.clean_text(v.get("name"))
    if not name:
        reject("name", "", _("The name of the item is missing."))
    try:
        quantity = norm.parse_quantity(v.get("quantity"))
    except norm.Bad as exc:
        reject("quantity", v.get("quantity"), str(exc))
        quantity = None
    if place is None or not kind or not name:
        return None
    return (
        *place,
        kind,
        name[:100],
        quantity,
        norm.clean_text(v.get("measure"))[:10],
        norm.clean_text(v.get("holder"))[:100],
        norm.clean_text(v.get("storage"))[:255],
    )


SPECS = {
    "household": Spec("household", HOUSEHOLD_COLUMNS, HOUSEHOLD_STAGE, _prepare_household),
    "shop": Spec("shop", SHOP_COLUMNS, SHOP_STAGE, _prepare_shop),
    "enterprise": Spec("enterprise", ENTERPRISE_COLUMNS, ENTERPRISE_STAGE, _prepare_enterprise),
    "key_person": Spec("key_person", KEY_PERSON_COLUMNS, KEY_PERSON_STAGE, _prepare_key_person),
    "key_item": Spec("key_item", KEY_ITEM_COLUMNS, KEY_ITEM_STAGE, _prepare_key_item),
}


def template_rows(kind: str) -> tuple[list[str], list[list[str]]]:
    spec = SPECS[kind]
    return [c.label for c in spec.columns], [[c.example for c in spec.columns]]
