"""The client's department table: every department of server_db has exactly one window entry."""

from __future__ import annotations

from collections import Counter

from erp_desktop import departments
from server_db.core.departments import ADMIN, DEPARTMENTS


def test_every_department_has_exactly_one_entry() -> None:
    counts = Counter(entry.department for entry in departments.entries())
    assert sorted(counts) == sorted(DEPARTMENTS)
    assert set(counts.values()) == {1}
    assert list(departments.WINDOWS) == list(DEPARTMENTS)


def test_the_admin_may_do_every_duty_and_the_others_only_their_own() -> None:
    every = frozenset().union(*(entry.duties for entry in departments.entries()))
    assert departments.WINDOWS[ADMIN].duties == every
    assert departments.may("warehouse", "ship") and not departments.may("warehouse", "invoice")
    assert departments.may(ADMIN, "invoice") and not departments.may(None, "ship")
    assert not departments.may("nobody", "ship")
    assert departments.windows_for(ADMIN) == list(DEPARTMENTS) and departments.windows_for("sales") == ["sales"]


def test_each_entry_names_a_window_class_for_its_department(qapp) -> None:
    for entry in departments.entries():
        window = entry.window_class()
        assert window.department == entry.department and window.title == entry.title, entry
