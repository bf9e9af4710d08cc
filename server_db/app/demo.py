"""The demo company: master data with Chinese names and addresses, stock, and orders in every state.

Loading is idempotent: if the demo company is already there, nothing is added. Every step goes through
the same services a clerk's window uses, one transaction each, so the demo also exercises the workflow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server_db.app.fixtures import Clerk, CompanySpec, build
from server_db.core.db import Database
from server_db.masterdata.models import Customer
from server_db.people import services as people
from server_db.sales.models import SalesOrder

DEMO_MARKER = "HUALIAN"  # a demo customer code; its presence means the demo is loaded

COMPANY = {
    "name": "华东精密机械有限公司",
    "address": "上海市浦东新区张江高科技园区碧波路 690 号\n201203 Shanghai, China",
    "tax_id": "91310115MA1K4A1G50",
    "phone": "+86 21 5080 1234",
    "email": "sales@huadong-precision.example.cn",
    "bank_account": "中国工商银行上海张江支行 1001 2345 6789 0123 456",
    "currency": "CNY",
}

CUSTOMERS: list[dict[str, Any]] = [
    dict(
        code="HUALIAN",
        name="北京华联商贸有限公司",
        address="北京市朝阳区建国路 88 号 SOHO 现代城 3 号楼 1201 室",
        contact="王丽",
        phone="+86 10 8580 0001",
        tax_id="911101056000012342",
        payment_terms_days=30,
        credit_limit="500000",
    ),
    dict(
        code="PUDONG-EL",
        name="上海浦东电子科技有限公司",
        address="上海市浦东新区世纪大道 100 号 46 层",
        delivery_address="上海市浦东新区金桥出口加工区 金藏路 258 号 仓库 B",
        contact="陈杰",
        phone="+86 21 6888 1000",
        payment_terms_days=45,
        credit_limit="300000",
    ),
    dict(
        code="SZ-ROBOT",
        name="深圳智造机器人股份有限公司",
        address="广东省深圳市南山区科技园南区 高新南九道 9 号",
        contact="李娜",
        phone="+86 755 8600 2000",
        tax_id="91440300MA5DC6QX1K",
        payment_terms_days=60,
        credit_limit=None,
    ),
    dict(
        code="MUELLER",
        name="Müller Maschinenbau GmbH",
        address="Straße des 17. Juni 135\n10623 Berlin, Deutschland",
        contact="Jürgen Weiß",
        phone="+49 30 1234 5678",
        payment_terms_days=30,
        credit_limit="200000",
    ),
    dict(
        code="ACME",
        name="Acme Trading Ltd",
        address="12 Harbour Road, Wan Chai, Hong Kong",
        contact="Tom Lee",
        phone="+852 2123 4567",
        payment_terms_days=14,
        credit_limit="20000",
    ),
]

SUPPLIERS: list[dict[str, Any]] = [
    dict(code="NB-BEARING", name="宁波轴承制造有限公司", address="浙江省宁波市北仑区 明州路 300 号", lead_time_days=5),
    dict(code="WX-MOTOR", name="无锡电机有限公司", address="江苏省无锡市新吴区 长江路 18 号", lead_time_days=10),
    dict(code="BAOSTEEL", name="宝钢钢材贸易有限公司", address="上海市宝山区 牡丹江路 1800 号", lead_time_days=7),
    dict(
        code="FASTEN", name="Fastenal China 紧固件", address="天津市西青区 经济开发区 兴华七支路 5 号", lead_time_days=3
    ),
]

BOUGHT: list[dict[str, Any]] = [
    dict(
        sku="BRG-6204",
        name="深沟球轴承 6204-2RS",
        procurement="buy",
        unit="pcs",
        price="18.50",
        cost="9.80",
        default_supplier="NB-BEARING",
        reorder_point="200",
    ),
    dict(
        sku="MTR-750W",
        name="三相异步电机 750W",
        procurement="buy",
        unit="pcs",
        price="880.00",
        cost="520.00",
        default_supplier="WX-MOTOR",
        reorder_point="10",
    ),
    dict(
        sku="STL-PLATE-5",
        name="冷轧钢板 5mm (1×2m)",
        procurement="buy",
        unit="sheet",
        price="420.00",
        cost="260.00",
        default_supplier="BAOSTEEL",
        reorder_point="20",
    ),
    dict(
        sku="BLT-M8X30",
        name="六角螺栓 M8×30 (盒/100)",
        procurement="buy",
        unit="box",
        price="35.00",
        cost="16.00",
        default_supplier="FASTEN",
        reorder_point="50",
    ),
    dict(
        sku="SEAL-KIT",
        name="Dichtungssatz / 密封件套装",
        procurement="buy",
        unit="set",
        price="65.00",
        cost="28.00",
        default_supplier="NB-BEARING",
        reorder_point="30",
    ),
]

MADE: list[dict[str, Any]] = [
    dict(
        sku="HSG-P100",
        name="泵壳 P100 (机加工)",
        procurement="make",
        unit="pcs",
        price="260.00",
        cost="150.00",
        work_centre="MACH",
        hours_per_unit="1.5",
        bom=[("STL-PLATE-5", "0.5")],
    ),
    dict(
        sku="PUMP-P100",
        name="离心泵 P100 总成",
        procurement="make",
        unit="pcs",
        price="2680.00",
        cost="1450.00",
        work_centre="ASM",
        hours_per_unit="2",
        bom=[("MTR-750W", "1"), ("HSG-P100", "1"), ("BRG-6204", "2"), ("BLT-M8X30", "0.08"), ("SEAL-KIT", "1")],
    ),
    dict(
        sku="GBX-20",
        name="减速箱 GBX-20",
        procurement="make",
        unit="pcs",
        price="1580.00",
        cost="820.00",
        work_centre="ASM",
        hours_per_unit="4",
        bom=[("BRG-6204", "4"), ("STL-PLATE-5", "0.25"), ("BLT-M8X30", "0.12")],
    ),
]

STOCK = {
    "BRG-6204": 400,
    "MTR-750W": 6,
    "STL-PLATE-5": 30,
    "BLT-M8X30": 80,
    "SEAL-KIT": 12,
    "PUMP-P100": 8,
    "HSG-P100": 2,
}


DEMO = CompanySpec(
    company=COMPANY,
    warehouses=[dict(code="MAIN", name="主仓库 Main warehouse", address=COMPANY["address"])],
    work_centres=[
        dict(code="ASM", name="装配线 Assembly", daily_capacity_hours=16),
        dict(code="MACH", name="机加工 Machining", daily_capacity_hours=8),
    ],
    customers=CUSTOMERS,
    suppliers=SUPPLIERS,
    products=BOUGHT + MADE,
    stock=STOCK,
)


def is_loaded(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Customer).where(Customer.code == DEMO_MARKER)))


def load(db: Database, *, progress: Callable[[str], None] = lambda _: None) -> bool:
    """Load the demo company unless it is there already. Returns True if it was loaded now."""
    if db.run(is_loaded):
        progress("The demo company is already loaded.")
        return False
    db.run(_master_data)
    progress("Master data and opening stock loaded.")
    _orders(Clerk(db))
    progress(f"{db.run(lambda s: s.scalar(select(func.count()).select_from(SalesOrder)))} demo orders.")
    progress("Demo orders created in every state.")
    return True


def _master_data(session: Session) -> None:
    people.ensure_demo_users(session)
    build(session, DEMO)


def _orders(clerk: Clerk) -> None:
    # closed: shipped, invoiced, paid in full
    closed = clerk.order(
        "HUALIAN",
        [("BRG-6204", 100), ("BLT-M8X30", 10)],
        until="shipped",
        days=3,
        customer_reference="PO-HL-2026-118",
    )
    clerk.pay(clerk.invoice(closed), reference="工行转账 0088")

    # invoiced and partly paid
    invoiced = clerk.order("MUELLER", [("PUMP-P100", 2)], until="shipped", days=7, customer_reference="Bestellung 4711")
    clerk.pay(clerk.invoice(invoiced), amount="2000.00", reference="SWIFT 2026-11-20")

    # shipped, waiting for the invoice
    clerk.order("PUDONG-EL", [("SEAL-KIT", 4), ("BRG-6204", 40)], until="shipped", days=5)

    # partially shipped: a backorder waits for motors
    partial = clerk.order(
        "SZ-ROBOT",
        [("BRG-6204", 60), ("MTR-750W", 8)],
        until="confirmed",
        days=12,
        customer_reference="采购单 SZR-0931",
    )
    clerk.ship(partial, {"BRG-6204": 60, "MTR-750W": 4})

    # ready to pick
    clerk.order("HUALIAN", [("PUMP-P100", 3), ("SEAL-KIT", 4)], until="confirmed", days=6)

    # in fulfilment: pumps to be made, with a short housing and motors on order
    clerk.order("MUELLER", [("PUMP-P100", 6)], until="confirmed", days=21, customer_reference="Bestellung 4730")
    clerk.buy_shortages()

    # late: a gearbox wanted in two days that takes longer to make
    clerk.order("SZ-ROBOT", [("GBX-20", 20)], until="confirmed", days=2, customer_reference="加急 URGENT")
    clerk.release_production()

    # confirmed, waiting for purchasing (no motor left)
    clerk.order("ACME", [("MTR-750W", 2)], until="confirmed", days=15)

    # cancelled by the customer
    cancelled = clerk.order("PUDONG-EL", [("BRG-6204", 20)], until="confirmed", days=10)
    clerk.cancel(cancelled, reason="客户取消 / customer cancelled")

    # a draft still being entered
    clerk.order("ACME", [("SEAL-KIT", 10), ("BLT-M8X30", 5)], days=20)
