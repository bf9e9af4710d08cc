"""What can be imported: each kind of file, its columns, the header names (English and Chinese) that map
to them by themselves, and the key that says which rows are the same record."""

from __future__ import annotations

from dataclasses import dataclass

FIELD_KINDS = ("text", "int", "qty", "money", "rate", "date", "bool", "code")


@dataclass(frozen=True)
class Field:
    """A column of an import. `kind` says how a cell is read (see FIELD_KINDS); `choices` the values allowed
    (after reading), `aliases` other headers that mean this column."""

    name: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    kind: str = "text"


@dataclass(frozen=True)
class Kind:
    """A kind of import file: its fields and the fields that identify a record (a row with the same key
    as a record already there updates it)."""

    name: str
    label: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]

    def field(self, name: str) -> Field:
        for found in self.fields:
            if found.name == name:
                return found
        raise KeyError(name)


def _active() -> Field:
    return Field("active", "Active", aliases=("是否启用", "启用", "有效", "状态"), kind="bool")


_ADDRESS = Field("address", "Address", aliases=("地址", "公司地址", "联系地址"))
_CONTACT = Field("contact", "Contact", aliases=("联系人",))
_PHONE = Field("phone", "Phone", aliases=("电话", "联系电话", "手机", "手机号"))
_EMAIL = Field("email", "Email", aliases=("邮箱", "电子邮件", "e-mail", "mail"))
_POSTCODE = Field("postcode", "Postcode", aliases=("邮编", "邮政编码", "zip", "post code"))
_TAX_ID = Field("tax_id", "Tax ID", aliases=("统一社会信用代码", "税号", "信用代码", "纳税人识别号", "uscc"))

CUSTOMERS = Kind(
    "customers",
    "Customers",
    (
        Field("code", "Code", True, ("编码", "客户编码", "客户代码", "代码"), kind="code"),
        Field("name", "Name", True, ("名称", "客户名称", "客户", "公司名称")),
        _ADDRESS,
        Field("delivery_address", "Delivery address", aliases=("收货地址", "送货地址")),
        _CONTACT,
        _PHONE,
        _EMAIL,
        _POSTCODE,
        _TAX_ID,
        Field("payment_terms_days", "Payment terms (days)", aliases=("账期(天)", "账期", "付款期限"), kind="int"),
        Field("credit_limit", "Credit limit", aliases=("信用额度", "信用限额"), kind="money"),
        _active(),
    ),
    ("code",),
)

SUPPLIERS = Kind(
    "suppliers",
    "Suppliers",
    (
        Field("code", "Code", True, ("编码", "供应商编码", "供应商代码", "代码"), kind="code"),
        Field("name", "Name", True, ("名称", "供应商名称", "供应商", "公司名称")),
        _ADDRESS,
        _CONTACT,
        _PHONE,
        _EMAIL,
        _POSTCODE,
        _TAX_ID,
        Field("lead_time_days", "Lead time (days)", aliases=("提前期(天)", "提前期", "交货期(天)"), kind="int"),
        _active(),
    ),
    ("code",),
)

_SKU = Field("sku", "SKU", True, ("物料编码", "SKU", "产品编码", "货号", "编码", "料号"), kind="code")

PRODUCTS = Kind(
    "products",
    "Products",
    (
        _SKU,
        Field("name", "Name", True, ("名称", "物料名称", "产品名称", "品名")),
        Field("unit", "Unit", True, ("单位", "计量单位")),
        Field("procurement", "Bought or made", True, ("采购/自制", "来源", "获取方式"), ("buy", "make")),
        Field("price", "Price", aliases=("单价", "售价", "销售价"), kind="money"),
        Field("cost", "Cost", aliases=("成本", "成本价", "采购价"), kind="money"),
        Field("tax_rate", "Tax rate", aliases=("税率",), kind="rate"),
        Field("lead_time_days", "Lead time (days)", aliases=("提前期(天)", "提前期"), kind="int"),
        Field("reorder_point", "Reorder point", aliases=("再订货点", "安全库存"), kind="qty"),
        Field("default_supplier", "Default supplier", aliases=("默认供应商", "供应商", "供应商编码"), kind="code"),
        Field("work_centre", "Work centre", aliases=("工作中心", "车间"), kind="code"),
        Field("hours_per_unit", "Hours per unit", aliases=("单件工时", "工时"), kind="qty"),
        _active(),
    ),
    ("sku",),
)

BOM = Kind(
    "bom",
    "Bills of materials",
    (
        Field("product", "Product", True, ("父项", "成品", "父项编码", "成品编码", "产品"), kind="code"),
        Field("component", "Component", True, ("子项", "组件", "子项编码", "组件编码", "材料"), kind="code"),
        Field("quantity", "Quantity", True, ("用量", "数量", "单位用量"), kind="qty"),
    ),
    ("product", "component"),
)

PRICES = Kind(
    "prices",
    "Prices",
    (
        _SKU,
        Field("price", "Price", aliases=("单价", "售价", "销售价"), kind="money"),
        Field("cost", "Cost", aliases=("成本", "成本价", "采购价"), kind="money"),
    ),
    ("sku",),
)

OPENING_STOCK = Kind(
    "opening_stock",
    "Opening stock",
    (
        Field("warehouse", "Warehouse", True, ("仓库", "仓库编码"), kind="code"),
        _SKU,
        Field("quantity", "Counted quantity", True, ("数量", "库存数量", "盘点数量", "期初数量"), kind="qty"),
    ),
    ("warehouse", "sku"),
)

SALES_ORDERS = Kind(
    "sales_orders",
    "Open sales orders",
    (
        Field("reference", "Order number", True, ("订单号", "订单编号", "单号", "原单号"), kind="text"),
        Field("customer", "Customer", True, ("客户", "客户编码"), kind="code"),
        _SKU,
        Field("quantity", "Quantity", True, ("数量", "订购数量"), kind="qty"),
        Field("unit_price", "Unit price", aliases=("单价", "售价"), kind="money"),
        Field("requested_date", "Requested date", aliases=("交货日期", "要求交期", "交期"), kind="date"),
        Field("order_date", "Order date", aliases=("下单日期", "订单日期"), kind="date"),
        Field("warehouse", "Warehouse", aliases=("仓库", "发货仓库"), kind="code"),
    ),
    ("reference", "sku"),
)

WAREHOUSES = Kind(
    "warehouses",
    "Warehouses",
    (
        Field("code", "Code", True, ("编码", "仓库编码", "代码"), kind="code"),
        Field("name", "Name", True, ("名称", "仓库名称", "仓库")),
        _ADDRESS,
        _active(),
    ),
    ("code",),
)

WORK_CENTRES = Kind(
    "work_centres",
    "Work centres",
    (
        Field("code", "Code", True, ("编码", "工作中心编码", "代码"), kind="code"),
        Field("name", "Name", True, ("名称", "工作中心名称", "工作中心")),
        Field(
            "daily_capacity_hours", "Daily capacity (hours)", True, ("日产能(小时)", "日产能", "每日工时"), kind="qty"
        ),
        _active(),
    ),
    ("code",),
)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (CUSTOMERS, SUPPLIERS, PRODUCTS, BOM, PRICES, OPENING_STOCK, SALES_ORDERS, WAREHOUSES, WORK_CENTRES)
}

# Words a person writes for a choice, after lower-casing: 采购/外购 are bought, 自制/生产 made.
CHOICE_WORDS: dict[str, dict[str, str]] = {
    "procurement": {
        "buy": "buy",
        "bought": "buy",
        "purchase": "buy",
        "采购": "buy",
        "外购": "buy",
        "make": "make",
        "made": "make",
        "manufacture": "make",
        "自制": "make",
        "生产": "make",
    },
}
