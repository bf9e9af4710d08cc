"""The supervisor's live order board: every open order with its stage, promised date, progress and late
flag, colour-coded, filterable by customer and stage; KPI tiles and charts above. Read-only, and live:
an event refetches only the orders it names, and the tiles and charts a moment later."""

from __future__ import annotations

from typing import Any

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QSplitter, QWidget

from erp_desktop import format as fmt
from erp_desktop.context import ClientContext
from erp_desktop.table_models import Column
from erp_desktop.widgets import Tile
from erp_desktop.windows.audit import AuditDialog
from erp_desktop.windows.base import RoleWindow
from server_db.core.changes import Changes
from server_db.core.workflow import label
from server_db.sales.states import SalesOrderState
from server_db.supervisor import board as board_queries

BOARD_COLUMNS = [
    Column("number", "Order", width=120),
    Column("customer_name", "Customer", width=230),
    Column("state", "Stage", "state", width=120),
    Column("promised_date", "Promised", "date", width=95),
    Column("estimated_ship_date", "Est. ship", "date", width=95),
    Column("ready_pct", "Ready", "percent", width=70, tooltip="reserved or shipped, of what was ordered"),
    Column("shipped_pct", "Shipped", "percent", width=70),
    Column("late", "Late", "bool", width=50),
    Column("updated_at", "Last change", "datetime", width=130),
]

# 'paid' is passed through on the way to 'closed' within one transaction, so no open order rests there
STAGES = [
    s for s in SalesOrderState if s not in (SalesOrderState.PAID, SalesOrderState.CLOSED, SalesOrderState.CANCELLED)
]


def stage_style(record: dict[str, Any]) -> tuple[str | None, str | None, bool]:
    """A light tint of the stage's colour; late orders in red and bold."""
    tint = QColor(fmt.STATE_COLOURS.get(record.get("state") or "", "#ffffff"))
    tint.setAlpha(38)
    return (
        tint.name(QColor.NameFormat.HexArgb),
        fmt.LATE_COLOUR if record.get("late") else None,
        bool(record.get("late")),
    )


def _chart(title: str) -> tuple[QChart, QChartView]:
    chart = QChart()
    chart.setTitle(title)
    chart.legend().setVisible(False)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(190)
    return chart, view


class BoardWindow(RoleWindow):
    department = "supervisor"
    title = "Order board"

    def __init__(self, context: ClientContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.board = self.live_list(
            BOARD_COLUMNS,
            board_queries.board_rows,
            lambda c: c.sales_orders,
            states=STAGES,
            search="Filter by order or customer (Ctrl+F)",
            sort=None,
            fast_sort=True,
        )
        self.board.table.setObjectName("board")
        self.board.table.source.row_style = stage_style
        self.board.table.activated_id.connect(self.open_audit)

        tiles = QWidget(self)
        grid = QGridLayout(tiles)
        grid.setContentsMargins(0, 0, 0, 0)
        self.tiles = {
            "open_orders": Tile("open orders", "#1e88e5"),
            "late_orders": Tile("late orders", fmt.LATE_COLOUR),
            "short_products": Tile("products short for orders", "#f9a825"),
            "below_reorder_point": Tile("below reorder point", "#fb8c00"),
            "late_production": Tile("late production orders", "#8e24aa"),
            "overdue_receivables": Tile("overdue receivables", "#6d4c41"),
        }
        for i, tile in enumerate(self.tiles.values()):
            tile.setObjectName(f"tile-{list(self.tiles)[i]}")
            grid.addWidget(tile, 0, i)

        self.stage_chart, stage_view = _chart("Open orders per stage")
        self.load_chart, load_view = _chart("Work-centre load, next 7 days (h)")
        self.ageing_chart, ageing_view = _chart("Open receivables by age")
        charts = QWidget(self)
        row = QHBoxLayout(charts)
        row.setContentsMargins(0, 0, 0, 0)
        for view in (stage_view, load_view, ageing_view):
            row.addWidget(view)

        top = QWidget(self)
        top_layout = QGridLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(tiles, 0, 0)
        top_layout.addWidget(charts, 1, 0)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(top)
        splitter.addWidget(self.board.container)
        splitter.setSizes([300, 460])
        self.central(splitter)
        self.resizeDocks([self.inbox], [200], Qt.Orientation.Horizontal)
        self.action(
            "&Audit trail",
            lambda: self.open_audit(self.board.table.current_id()),
            shortcut="Ctrl+T",
            duty="read_audit",
            enabled=lambda: self.board.table.current_id() is not None,
        )
        self.update_actions()
        self._dashboard_timer = QTimer(self, singleShot=True, interval=400)
        self._dashboard_timer.timeout.connect(self.refresh_dashboard)
        self.dashboard: dict[str, Any] = {}

    # -- live -------------------------------------------------------------------------------------------

    def reload(self) -> None:
        super().reload()
        self.refresh_dashboard()

    def apply_changes(self, changes: Changes) -> None:
        super().apply_changes(changes)
        self._dashboard_timer.start()  # many events in a burst: recount once

    def refresh_dashboard(self) -> None:
        self.run(board_queries.dashboard, on_done=self._show_dashboard)

    def _show_dashboard(self, data: dict[str, Any]) -> None:
        self.dashboard = data
        kpis = data["kpis"]
        for key, tile in self.tiles.items():
            value = kpis.get(key, 0)
            tile.set_value(fmt.money(value) if key == "overdue_receivables" else value)
        per_state = data["orders_per_state"]
        self._bars(
            self.stage_chart,
            [f"{label(s)} ({per_state.get(s, 0)})" for s in STAGES],
            [float(per_state.get(s, 0)) for s in STAGES],
            [fmt.STATE_COLOURS[s] for s in STAGES],
            legend=True,
        )
        load = data["load"]
        self._bars(
            self.load_chart,
            [w["code"] for w in load],
            [float(w["load"]) for w in load],
            ["#5c6bc0"],
            second=[float(w["capacity"]) for w in load],
        )
        ageing = data["ageing"]
        buckets = ["current", "days_1_30", "days_31_60", "days_61_90", "over_90"]
        self._bars(
            self.ageing_chart,
            ["due", "1-30", "31-60", "61-90", ">90"],
            [float(ageing[b]) for b in buckets],
            ["#43a047", "#f9a825", "#fb8c00", "#e53935", "#b71c1c"],
        )

    @staticmethod
    def _bars(
        chart: QChart,
        categories: list[str],
        values: list[float],
        colours: list[str],
        second: list[float] | None = None,
        *,
        legend: bool = False,
    ) -> None:
        """Bars with one colour per category (or load against capacity). With `legend`, the categories are
        named in a legend beside the chart instead of under the bars (long names stay readable)."""
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        series: QAbstractBarSeries
        if len(colours) == len(values) and second is None:
            # one set per category, stacked, so every bar is full width and keeps its own colour
            series = QStackedBarSeries()
            for i, value in enumerate(values):
                bar = QBarSet(categories[i])
                bar.append([0.0] * i + [value] + [0.0] * (len(values) - i - 1))
                bar.setColor(QColor(colours[i]))
                series.append(bar)
            series.setBarWidth(0.7)
        else:
            series = QBarSeries()
            load = QBarSet("load")
            load.append(values)
            load.setColor(QColor(colours[0]))
            series.append(load)
            if second is not None:
                capacity = QBarSet("capacity")
                capacity.append(second)
                capacity.setColor(QColor("#cfd8dc"))
                series.append(capacity)
                chart.legend().setVisible(True)
                chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.addSeries(series)
        categories_axis = QBarCategoryAxis()
        categories_axis.append(categories)
        small = QFont(chart.font())
        small.setPointSizeF(max(small.pointSizeF() - 1.5, 6.5))
        categories_axis.setLabelsFont(small)
        if legend:
            categories_axis.setLabelsVisible(False)
            chart.legend().setVisible(True)
            chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
            chart.legend().setFont(small)
        values_axis = QValueAxis()
        top = max([*values, *(second or []), 1.0])
        values_axis.setRange(0, top * 1.1)
        values_axis.applyNiceNumbers()
        values_axis.setLabelFormat("%.0f")
        if top <= 8:  # a few orders: whole numbers only
            values_axis.setRange(0, max(int(top) + 1, 2))
            values_axis.setTickCount(max(int(top) + 2, 3))
        chart.addAxis(categories_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(values_axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(categories_axis)
        series.attachAxis(values_axis)

    # -- navigation -------------------------------------------------------------------------------------

    def show_order(self, order_id: int) -> None:
        self.board.table.select_id(order_id)

    def open_audit(self, order_id: Any) -> None:
        record = self.board.table.source.record_by_id(order_id) if order_id is not None else None
        if record is None or not self.context.may("read_audit"):
            return
        dialog = AuditDialog(self.context, record["id"], record["number"], self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
