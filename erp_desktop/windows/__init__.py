"""One window module per department."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

_MODULES = {
    "sales": ("erp_desktop.windows.sales", "SalesWindow"),
    "warehouse": ("erp_desktop.windows.warehouse", "WarehouseWindow"),
    "purchasing": ("erp_desktop.windows.purchasing", "PurchasingWindow"),
    "production": ("erp_desktop.windows.production", "ProductionWindow"),
    "finance": ("erp_desktop.windows.finance", "FinanceWindow"),
    "supervisor": ("erp_desktop.windows.board", "BoardWindow"),
    "admin": ("erp_desktop.windows.admin", "AdminWindow"),
}


class _Lazy(Mapping[str, Any]):
    """Imports a window's module only when that window is opened (start-up stays fast)."""

    def __getitem__(self, department: str) -> Any:
        module, name = _MODULES[department]
        return getattr(importlib.import_module(module), name)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


WINDOW_CLASSES = _Lazy()
