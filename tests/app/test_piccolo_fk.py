"""The workaround for Piccolo's `ForeignKey.__getattribute__` (app/kernel/piccolo_fk.py):
no `dir()` on a resolved foreign key, the same queries, and lazy references still resolve."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import pytest
from piccolo.columns import ForeignKey, Varchar, column_types
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table

from app.kernel import piccolo_fk
from spaces.tables import Booking


class LazyChild(Table):
    name = Varchar()
    parent = ForeignKey(LazyTableReference("LazyParent", module_path=__name__))


class LazyParent(Table):
    title = Varchar()


def _query() -> str:
    columns = (Booking.id, Booking.slot.title, Booking.slot._.space._.name)
    return str(Booking.select(*columns).where(Booking.slot.space == 1))


def _counting_dir(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    real: Callable[..., Any] = builtins.dir

    def counted(*args: Any) -> Any:
        calls[0] += 1
        return real(*args)

    monkeypatch.setattr(builtins, "dir", counted)
    return calls


def test_a_resolved_foreign_key_is_read_without_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    piccolo_fk.install()
    calls = _counting_dir(monkeypatch)
    _query()
    assert calls[0] == 0


def test_piccolo_without_it_calls_dir_on_every_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(column_types, "dir", builtins.dir, raising=False)
    calls = _counting_dir(monkeypatch)
    monkeypatch.setattr(column_types, "dir", builtins.dir, raising=False)  # the counting one
    _query()
    assert calls[0] > 10
    piccolo_fk.install()


def test_the_same_sql_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    piccolo_fk.install()
    patched = _query()
    monkeypatch.setattr(column_types, "dir", builtins.dir, raising=False)
    assert _query() == patched


def test_a_lazy_reference_still_gets_its_columns() -> None:
    piccolo_fk.install()
    assert LazyChild.parent.title._meta.name == "title"
    assert [c._meta.name for c in LazyChild.parent._foreign_key_meta.proxy_columns] == ["id", "title"]
    assert 'JOIN "lazy_parent"' in str(LazyChild.select(LazyChild.parent.title))
