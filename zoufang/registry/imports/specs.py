"""What each kind of import file holds: its columns (the template's header and the synonyms
bureau spreadsheets use for it), its staging columns, and the function that prepares a row
(imports.rows). `SPECS` by kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from zoufang.registry import normalize as norm
from zoufang.registry.imports.rows import (
    Context,
    prepare_enterprise,
    prepare_household,
    prepare_key_item,
    prepare_key_person,
    prepare_shop,
)

PERSONAL_COLUMNS = frozenset({"id_number", "phone", "landlord_phone", "contact_phone"})


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the header in the downloadable template
    synonyms: tuple[str, ...] = ()
    required: bool = False
    example: str = ""
    # Words that name the column wherever they stand in a header (imports.headers).
    words: tuple[str, ...] = ()


def keeps_extras(columns: Sequence[Column]) -> bool:
    """Household files keep the columns the registry has no place for, on the person."""
    return any(c.key == "registered_address" for c in columns)


@dataclass
class Rejection:
    row: int
    column: str
    value: str
    reason: str


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
        words=(
            "社区编码",
            "社区代码",
            "警务区",
            "责任区",
            "所属社区",
            "社区名称",
            "村社区",
            "所属村",
        ),
    ),
    Column(
        "address_code",
        "地址编码",
        ("标准地址编码", "地址代码", "门楼牌编码"),
        words=("地址编码", "地址代码", "门楼牌编码", "地址码"),
    ),
    Column(
        "road",
        "街路巷",
        ("道路", "街道", "路名", "街路巷名称", "道路名称", "街路"),
        example="文峰路",
        words=("街路巷", "道路", "路名", "街路"),
    ),
    Column("house_number", "门牌号", ("门牌", "门牌号码", "号"), example="12", words=("门牌",)),
)

# The address as one text (现住址 许昌市魏都区文峰路123号4号楼2单元301室), read by
# imports.address when the file has no split address columns; kept as the residents' actual
# address text either way.
FULL_ADDRESS_COLUMN = Column(
    "full_address",
    "现住址",
    ("居住地址", "详细地址", "住址", "家庭住址", "现居住地址", "现住地址", "地址", "居住地"),
    words=("住址", "地址", "居住地", "现居地"),
)

# Shops and enterprises: the same full-text address (the same parser, the beat found by the
# address), under the headers their registers use.
SHOP_ADDRESS_COLUMN = replace(
    FULL_ADDRESS_COLUMN,
    label="经营地址",
    synonyms=("门店地址", "店铺地址", "经营场所", "经营场所地址", *FULL_ADDRESS_COLUMN.synonyms),
    words=("经营场所", *FULL_ADDRESS_COLUMN.words),
)
ENTERPRISE_ADDRESS_COLUMN = replace(
    FULL_ADDRESS_COLUMN,
    label="单位地址",
    synonyms=("企业地址", "单位住所", "住所", "办公地址", *FULL_ADDRESS_COLUMN.synonyms),
    words=("住所", *FULL_ADDRESS_COLUMN.words),
)

# The dwelling within the address (a household's; a key item's storage place may name it).
DWELLING_COLUMNS = (
    Column("building", "楼栋", ("楼栋号", "楼号", "栋", "幢"), example="3", words=("楼栋", "栋号")),
    Column("entrance", "单元", ("单元号",), example="2", words=("单元",)),
    Column(
        "room",
        "房号",
        ("房间号", "室", "户室号", "房间"),
        example="501",
        words=("房号", "房间", "室号"),
    ),
)

ID_NUMBER_COLUMN = Column(
    "id_number",
    "身份证号",
    ("身份证号码", "公民身份号码", "证件号码", "身份证", "身份证件号码"),
    required=True,
    example="410102198503040356",
    words=("身份证", "身份号码", "证件号", "身份号"),
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

# The extra fields of a household row (imports.headers.EXTRA columns), as JSON text.
EXTRA_STAGE = (("extra", "text"),)


HOUSEHOLD_COLUMNS = (
    *ADDRESS_COLUMNS,
    *DWELLING_COLUMNS,
    FULL_ADDRESS_COLUMN,
    Column(
        "use",
        "房屋用途",
        ("房屋类型", "居住类型", "房屋性质", "房屋使用情况", "房屋类别"),
        example="自住",
        words=(
            "房屋用途",
            "房屋类型",
            "房屋性质",
            "房屋类别",
            "房屋使用",
            "使用性质",
            "使用类别",
            "居住类型",
            "使用情况",
            "用途",
        ),
    ),
    Column(
        "name",
        "姓名",
        ("人员姓名", "居民姓名", "户主姓名", "户主"),
        required=True,
        example="王建国",
        words=("姓名", "名字"),
    ),
    ID_NUMBER_COLUMN,
    Column(
        "phone",
        "联系电话",
        ("电话", "手机", "手机号", "手机号码", "联系方式"),
        example="13803740001",
        words=("电话", "手机", "联系方式"),
    ),
    Column(
        "relation",
        "与户主关系",
        ("关系", "人员类别", "身份"),
        example="户主",
        words=("关系", "与户主"),
    ),
    Column(
        "registered_address",
        "户籍地址",
        ("户籍地", "户籍所在地", "户籍地详址"),
        words=("户籍地", "户籍所在", "户口所在", "户口地", "户籍"),
    ),
    Column(
        "actual_address",
        "实际居住地址",
        ("实际居住地",),
        words=("实际居住地", "实际居住", "实际住址"),
    ),
    Column(
        "living_since",
        "入住日期",
        ("居住起始日期", "入住时间"),
        example="2020-05-01",
        words=("入住", "居住起始"),
    ),
    Column("landlord_name", "房东姓名", ("房东", "出租人"), words=("房东姓名", "出租人", "房东")),
    Column(
        "landlord_phone",
        "房东电话",
        ("出租人电话",),
        words=("房东电话", "房东手机", "房东联系", "出租人电话", "出租人手机", "出租人联系"),
    ),
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
    ("region_unknown", "bool"),
    ("phone_enc", "text"),
    ("phone_hash", "text"),
    ("phone_masked", "text"),
    ("relation", "text"),
    ("registered_address", "text"),
    ("actual_address", "text"),
    ("separated", "bool"),
    ("living_since", "date"),
    *EXTRA_STAGE,
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


SHOP_COLUMNS = (
    *ADDRESS_COLUMNS,
    SHOP_ADDRESS_COLUMN,
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


ENTERPRISE_COLUMNS = (
    *ADDRESS_COLUMNS,
    ENTERPRISE_ADDRESS_COLUMN,
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


# ---- key persons and key items: attached to records already in the registry ------------------
# Loaded by keyrecords.KeyRecordLoader, which finds the person (ID number hash) or the place
# (address code) and rejects rows whose record is missing or outside the job's subtree.

KEY_PERSON_COLUMNS = (
    ID_NUMBER_COLUMN,
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
# with the same value there in one batch (imports.jobs._produce).
KEY_PERSON_STAGE = (
    ("row_no", "int"),
    ("id_masked", "text"),
    ("name", "text"),
    ("id_hash", "text"),
    ("category", "text"),
    ("control_level", "text"),
    ("note", "text"),
)


KEY_ITEM_COLUMNS = (
    *ADDRESS_COLUMNS,
    *(replace(c, example="") for c in DWELLING_COLUMNS),
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


SPECS = {
    "household": Spec("household", HOUSEHOLD_COLUMNS, HOUSEHOLD_STAGE, prepare_household),
    "shop": Spec("shop", SHOP_COLUMNS, SHOP_STAGE, prepare_shop),
    "enterprise": Spec("enterprise", ENTERPRISE_COLUMNS, ENTERPRISE_STAGE, prepare_enterprise),
    "key_person": Spec("key_person", KEY_PERSON_COLUMNS, KEY_PERSON_STAGE, prepare_key_person),
    "key_item": Spec("key_item", KEY_ITEM_COLUMNS, KEY_ITEM_STAGE, prepare_key_item),
}


def template_rows(kind: str) -> tuple[list[str], list[list[str]]]:
    spec = SPECS[kind]
    return [c.label for c in spec.columns], [[c.example for c in spec.columns]]
