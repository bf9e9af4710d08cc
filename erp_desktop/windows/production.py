"""Production: the production orders of every work centre, released, scheduled, reported and completed
from the keyboard; late orders in red; and, below, each work centre's scheduled load per day against its
capacity for the next two weeks. Live: an event refetches only the orders it names, and the charts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QCursor, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGridLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QToolTip,
    QWidget,
)

from erp_desktop import format as fmt
from erp_desktop.context import ClientContext
from erp_desktop.table_models import Column
from erp_desktop.widgets import confirm, form_dialog
from erp_desktop.windows.base import RoleWindow
from erp_desktop.windows.masterdata.bom import ProductsPage
from erp_desktop.windows.masterdata.page import MasterDataActions, MasterDataPage
from erp_desktop.windows.masterdata.records import WORK_CENTRES
from server_db.core.changes import Changes
from server_db.core.workflow import can_become
from server_db.production import queries as production_queries
from server_db.production import services as production
from server_db.production.services import Schedule
from server_db.production.states import ProductionOrderState

LOAD_DAYS = 14
OPEN = "__open__"  # the state filter's "open orders" choice
OPEN_STATES = ("planned", "released", "in_progress")
LOAD_COLOUR, OVERLOAD_COLOUR, CAPACITY_COLOUR = "#5c6bc0", "#e53935", "#37474f"

ORDER_COLUMNS = [
    Column("number", "Number", width=112),
    Column("product", "Product", width=178),
    Column("quantity", "Qty", "qty", width=42),
    Column("state", "State", "state", width=82),
    Column("work_centre_code", "Centre", width=58, tooltip="work centre"),
    Column("due_date", "Due", "date", width=80, tooltip="the date promised to the customer"),
    Column("planned_start", "Start", "date", width=80, tooltip="planned start"),
    Column("planned_end", "End", "date", width=80, tooltip="planned or projected end"),
    Column("progress_pct", "Done", "percent", width=52, tooltip="progress reported"),
    Column("late", "Late", "bool", width=40, tooltip="the planned end passes the due date"),
    Column("order_number", "Sales order", width=108),
    Column("components_missing", "Components missing", width=120),
]


def with_product(row: dict[str, Any]) -> None:
    """How a production order's product reads in the list: SKU and name."""
    row["product"] = f"{row['sku']} — {row['product_name']}"


def may_become(record: dict[str, Any] | None, target: str) -> bool:
    return can_become("production_order", (record or {}).get("state"), target)


def on_the_floor(record: dict[str, Any] | None) -> bool:
    """Released or in progress: progress can be reported (the database's rule, not a transition)."""
    return (record or {}).get("state") in ("released", "in_progress")


def late_in_red(record: dict[str, Any]) -> tuple[str | None, str | None, bool]:
    if record.get("late") and record.get("state") in OPEN_STATES:
        return (fmt.LATE_BACKGROUND, fmt.LATE_COLOUR, True)
    return fmt.PLAIN


class LoadCharts(QWidget):
    """One bar chart per work centre: scheduled hours per day (within capacity blue, over it red) and the
    daily capacity as a line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loadCharts")
        self.rows: list[dict[str, Any]] = []
        self.views: dict[int, QChartView] = {}
        self.only: int | None = None
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(6)
        self.empty = QLabel("No work centres yet.", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #777;")
        self.grid.addWidget(self.empty, 0, 0)

    def show_load(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        by_centre: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_centre[row["work_centre_id"]].append(row)
        for centre in set(self.views) - set(by_centre):
            view = self.views.pop(centre)
            self.grid.removeWidget(view)
            view.deleteLater()
        for centre, days in by_centre.items():
            if centre not in self.views:
                self.views[centre] = self._new_view()
            self._draw(self.views[centre].chart(), days)
        self._arrange()

    def show_only(self, work_centre_id: int | None) -> None:
        self.only = work_centre_id
        self._arrange()

    def series_values(self, work_centre_id: int) -> dict[str, list[float]]:
        """What a chart shows, by bar set and line name (for tests and the curious)."""
        view = self.views.get(work_centre_id)
        if view is None:
            return {}
        values: dict[str, list[float]] = {}
        for series in view.chart().series():
            if isinstance(series, QStackedBarSeries):
                for bar in series.barSets():
                    values[bar.label()] = [bar.at(i) for i in range(bar.count())]
            elif isinstance(series, QLineSeries):
                values[series.name()] = [point.y() for point in series.points()]
        return values

    # -- internals --------------------------------------------------------------------------------------

    @staticmethod
    def _new_view() -> QChartView:
        chart = QChart()
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.setMargins(QMargins(4, 2, 4, 2))
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        view = QChartView(chart)
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumHeight(220)
        return view

    @staticmethod
    def _draw(chart: QChart, days: list[dict[str, Any]]) -> None:
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        first = days[0]
        capacity = float(first["capacity"] or 0)
        loads = [float(day["load"] or 0) for day in days]
        total = sum(loads)
        over_days = sum(1 for load in loads if load > capacity)
        title = (
            f"<b>{first['code']}</b> {first['name']} — scheduled {total:,.1f} h in {len(days)} days, "
            f"capacity {capacity:g} h/day"
        )
        if over_days:
            title += f" — <span style='color:{OVERLOAD_COLOUR}'>over capacity on {over_days} day(s)</span>"
        chart.setTitle(title)
        within, over = QBarSet("Scheduled (h)"), QBarSet("Over capacity (h)")
        within.append([min(load, capacity) for load in loads])
        over.append([max(load - capacity, 0.0) for load in loads])
        within.setColor(QColor(LOAD_COLOUR))
        over.setColor(QColor(OVERLOAD_COLOUR))
        bars = QStackedBarSeries()
        bars.append(within)
        bars.append(over)
        bars.setBarWidth(0.6)

        def hovered(status: bool, index: int, _bar: QBarSet) -> None:
            if status and 0 <= index < len(days):
                QToolTip.showText(
                    QCursor.pos(),
                    f"{_day_label(days[index]['day'])}: {loads[index]:g} h scheduled, capacity {capacity:g} h",
                )
            else:
                QToolTip.hideText()

        bars.hovered.connect(hovered)
        line = QLineSeries()
        line.setName(f"Capacity ({capacity:g} h/day)")
        line.append(-0.5, capacity)  # across the whole width of the category axis
        line.append(len(days) - 0.5, capacity)
        pen = QPen(QColor(CAPACITY_COLOUR))
        pen.setWidth(2)
        pen.setStyle(Qt.PenStyle.DashLine)
        line.setPen(pen)
        chart.addSeries(bars)
        chart.addSeries(line)
        axis_x = QBarCategoryAxis()
        axis_x.append([str(day["day"].day) for day in days])
        axis_x.setTitleText(f"{_day_label(days[0]['day'])} – {_day_label(days[-1]['day'])}")
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        bars.attachAxis(axis_x)
        line.attachAxis(axis_x)
        axis_y = QValueAxis()
        axis_y.setRange(0, max([*loads, capacity, 1.0]) * 1.1)
        axis_y.applyNiceNumbers()
        axis_y.setLabelFormat("%.0f")
        axis_y.setTitleText("hours")
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        bars.attachAxis(axis_y)
        line.attachAxis(axis_y)

    def _arrange(self) -> None:
        for view in self.views.values():
            self.grid.removeWidget(view)
            view.hide()
        shown = [
            view
            for centre, view in sorted(self.views.items(), key=lambda item: self._code(item[0]))
            if self.only is None or centre == self.only
        ]
        columns = 1 if len(shown) <= 1 else 2
        for i, view in enumerate(shown):
            self.grid.addWidget(view, i // columns, i % columns)
            view.show()
        self.empty.setVisible(not shown)

    def _code(self, centre: int) -> str:
        return next((str(row["code"]) for row in self.rows if row["work_centre_id"] == centre), "")


def _day_label(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


class ProductionWindow(RoleWindow):
    department = "production"
    title = "Production"

    def __init__(self, context: ClientContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.orders = self.live_list(
            ORDER_COLUMNS,
            production_queries.production_orders,
            self._touched,
            display=with_product,
            states=list(ProductionOrderState),
            search="Search production orders, products, sales orders (Ctrl+F)",
            sort=(5, Qt.SortOrder.AscendingOrder),
            extra_fields=("sku", "unit", "work_centre_id", "sales_order_id", "version"),
        )
        table = self.orders.table
        table.setObjectName("productionOrders")
        table.source.row_style = late_in_red
        table.activated_id.connect(lambda _: self.report_progress())
        self.charts = LoadCharts(self)

        # the state filter gets an "open orders" choice (the default) and is combined with the work-centre
        # filter in one condition
        bar = self.orders.filter
        bar.state.insertItem(1, "Open orders", OPEN)
        bar.state.setCurrentIndex(1)
        bar.state_changed.disconnect()
        self.orders.table.proxy.set_predicate(None, name="state")  # replaced by the combined condition below
        bar.state_changed.connect(lambda _: self._filter())
        self.work_centre = QComboBox(bar)
        self.work_centre.setObjectName("workCentre")
        self.work_centre.setToolTip("Show one work centre's orders and load")
        self.work_centre.addItem("All work centres", None)
        self.work_centre.setMinimumContentsLength(18)
        self.work_centre.currentIndexChanged.connect(lambda _: self._filter())
        bar_layout = bar.layout()
        assert bar_layout is not None
        bar_layout.addWidget(self.work_centre)
        self._filter()

        self.chart_title = QLabel(
            f"<b>Work-centre load</b> — scheduled hours per day for the next "
            f"{LOAD_DAYS} days against capacity (Schedule with Ctrl+Shift+S to plan "
            "released orders)",
            self,
        )
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.charts)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("productionTabs")
        self.tabs.addTab(
            self.master_detail(self.orders.container, self.chart_title, scroll, sizes=(380, 300)), "&Orders"
        )
        self.products = ProductsPage(self, read_only=True)
        self.work_centres = MasterDataPage(self, WORK_CENTRES, read_only=True)
        self.tabs.addTab(self.products, "&Products")
        self.tabs.addTab(self.work_centres, "&Work centres")
        self.tabs.currentChanged.connect(lambda _: self.update_actions())
        self.tab_shortcuts(self.tabs)
        self.central(self.tabs)
        self.resizeDocks([self.inbox], [190], Qt.Orientation.Horizontal)

        selected = table.current_record
        selected_may_become = lambda target: lambda: may_become(selected(), target)  # noqa: E731
        self.release_action = self.action(
            "&Release",
            self.release,
            shortcut="Ctrl+Shift+R",
            duty="release_production",
            enabled=selected_may_become(ProductionOrderState.RELEASED),
            tip="Release the selected planned orders to the floor",
        )
        self.schedule_action = self.action(
            "&Schedule",
            self.schedule,
            shortcut="Ctrl+Shift+S",
            duty="schedule_production",
            tip="Plan every released order on its work centre's free capacity",
        )
        self.progress_action = self.action(
            "Report &progress…",
            self.report_progress,
            shortcut="Ctrl+Shift+P",
            duty="report_progress",
            enabled=lambda: on_the_floor(selected()),
        )
        self.complete_action = self.action(
            "&Complete…",
            self.complete,
            shortcut="Ctrl+Shift+C",
            duty="complete_production",
            enabled=selected_may_become(ProductionOrderState.DONE),
            tip="Consume the components and put the product in stock",
        )
        # cancelling belongs with releasing: the person who plans the floor
        self.cancel_action = self.action(
            "C&ancel…",
            self.cancel,
            shortcut="Ctrl+Shift+X",
            duty="release_production",
            enabled=selected_may_become(ProductionOrderState.CANCELLED),
            tip="Cancel a planned or released order",
        )
        self.progress_dialog: QDialog | None = None
        self.master_data = MasterDataActions(
            self,
            self.tabs,
            [self.release_action, self.schedule_action, self.progress_action, self.complete_action, self.cancel_action],
        )
        self.master_data.add(self.products.master_page)
        self.master_data.add(self.work_centres)
        self.update_actions()

    def _touched(self, changes: Changes) -> set[int]:
        """The orders an event names, and, when stock moved, those still waiting for components: goods
        received are reserved for them without an event of their own."""
        ids = set(changes.production_orders)
        if changes.products:
            source = self.orders.table.source
            ids |= {
                source.value(row, "id")
                for row in range(source.rowCount())
                if source.value(row, "components_missing") and source.value(row, "state") in OPEN_STATES
            }
        return ids

    # -- filtering ----------------------------------------------------------------------------------------

    def _filter(self) -> None:
        state = self.orders.filter.state.currentData()
        centre = self.work_centre.currentData()

        def accepts(record: dict[str, Any]) -> bool:
            if state == OPEN and record.get("state") not in OPEN_STATES:
                return False
            if state not in (None, OPEN) and record.get("state") != state:
                return False
            return centre is None or record.get("work_centre_id") == centre

        self.orders.table.proxy.set_predicate(accepts)
        self.charts.show_only(centre)
        self.update_actions()

    def _fill_work_centres(self, rows: list[dict[str, Any]]) -> None:
        centres = {row["work_centre_id"]: f"{row['code']} — {row['name']}" for row in rows}
        current = self.work_centre.currentData()
        known = {self.work_centre.itemData(i) for i in range(1, self.work_centre.count())}
        if known == set(centres):
            return
        self.work_centre.blockSignals(True)
        while self.work_centre.count() > 1:
            self.work_centre.removeItem(1)
        for centre, name in sorted(centres.items(), key=lambda item: item[1]):
            self.work_centre.addItem(name, centre)
        index = self.work_centre.findData(current) if current is not None else 0
        self.work_centre.setCurrentIndex(max(index, 0))
        self.work_centre.blockSignals(False)
        if index < 0:
            self._filter()

    # -- live -----------------------------------------------------------------------------------------------

    def reload(self) -> None:
        super().reload()
        self.load_chart()

    def apply_changes(self, changes: Changes) -> None:
        super().apply_changes(changes)
        if changes.production_orders:
            self.load_chart()

    def load_chart(self) -> None:
        self.run(production_queries.work_centre_load, days=LOAD_DAYS, on_done=self._chart_loaded)

    def _chart_loaded(self, rows: list[dict[str, Any]]) -> None:
        self._fill_work_centres(rows)
        self.charts.show_load(rows)

    def show_order(self, order_id: int) -> None:
        """Select the production order made for a sales order (from the inbox)."""
        source = self.orders.table.source
        for mo_id in source.ids():
            record = source.record_by_id(mo_id) or {}
            if record.get("sales_order_id") == order_id:
                if not self.orders.table.select_id(mo_id):
                    self.work_centre.setCurrentIndex(0)
                    self.orders.reveal(mo_id)
                return

    # -- actions --------------------------------------------------------------------------------------------

    def _selected(self, *states: str) -> list[dict[str, Any]]:
        source = self.orders.table.source
        records = [source.record_by_id(i) for i in self.orders.table.selected_ids()]
        return [r for r in records if r is not None and r["state"] in states]

    def release(self) -> None:
        records = self._selected("planned")
        if not records:
            return
        numbers = ", ".join(r["number"] for r in records)
        self.run(
            production.release_production_orders,
            [r["id"] for r in records],
            done_message=f"Released {numbers}." if len(records) <= 3 else f"Released {len(records)} orders.",
        )

    def schedule(self) -> None:
        self.run(production.schedule_and_report, on_done=self._scheduled)

    def _scheduled(self, result: Schedule) -> None:
        planned, late = result.planned, result.late
        if not planned:
            self.message.show_message("Nothing to schedule: release planned production orders first.")
        else:
            text = f"Scheduled {planned} production order{'s' if planned != 1 else ''}; "
            if late:
                text += f"{len(late)} late: {', '.join(late[:5])}{'…' if len(late) > 5 else ''}."
            else:
                text += "none late."
            self.message.show_message(text, error=bool(late))

    def report_progress(self) -> None:
        record = self.orders.table.current_record()
        if record is None or not on_the_floor(record) or not self.context.may("report_progress"):
            return
        spin = QSpinBox()
        spin.setObjectName("progress")
        spin.setRange(0, 100)
        spin.setSuffix(" %")
        spin.setSingleStep(10)
        spin.setValue(int(Decimal(record["progress_pct"] or 0)))
        spin.selectAll()
        dialog = form_dialog(
            self,
            f"Progress of {record['number']}",
            [
                (
                    "Production order",
                    QLabel(
                        f"{record['number']} · {fmt.quantity(record['quantity'])} {record['unit']} {record['product']}"
                    ),
                ),
                ("Done", spin),
            ],
        )
        dialog.setObjectName("progressDialog")
        dialog.accepted.connect(lambda: self._send_progress(record, spin.value()))
        dialog.finished.connect(lambda _: self._dialog_closed(dialog))
        self.progress_dialog = dialog
        dialog.open()
        spin.setFocus()

    def _dialog_closed(self, dialog: QDialog) -> None:
        if self.progress_dialog is dialog:
            self.progress_dialog = None
        dialog.deleteLater()

    def _send_progress(self, record: dict[str, Any], percent: int) -> None:
        self.run(
            production.report_progress, record["id"], percent, done_message=f"{record['number']}: {percent} % done."
        )

    def complete(self) -> None:
        record = self.orders.table.current_record()
        if not record or not may_become(record, ProductionOrderState.DONE):
            return
        if not confirm(
            self,
            "Complete production order",
            f"Complete {record['number']}?\n\n{fmt.quantity(record['quantity'])} {record['unit']} "
            f"of {record['product']} go into stock and its components are consumed. "
            "This cannot be undone.",
            destructive=True,
        ):
            return
        after = f" and reserved for {record['order_number']}" if record["order_number"] else ""
        self.run(
            production.complete_production_order,
            record["id"],
            done_message=f"{record['number']} completed: {fmt.quantity(record['quantity'])} "
            f"{record['unit']} of {record['sku']} in stock{after}.",
        )

    def cancel(self) -> None:
        record = self.orders.table.current_record()
        if not record or not may_become(record, ProductionOrderState.CANCELLED):
            return
        if not confirm(
            self,
            "Cancel production order",
            f"Cancel {record['number']} ({fmt.quantity(record['quantity'])} {record['unit']} of "
            f"{record['sku']})? Its reserved components are released. This cannot be undone.",
            destructive=True,
        ):
            return
        self.run(production.cancel_production_order, record["id"], done_message=f"{record['number']} cancelled.")
