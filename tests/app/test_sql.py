"""Hand-written SQL's helpers (app/kernel/sql.py): named parameters, and the JSON words each
engine spells its own way, run on the engine of the pass."""

from __future__ import annotations

import pytest

from app.kernel.db import is_sqlite
from app.kernel.jsonvalue import loads
from app.kernel.sql import dialect, statement
from spaces.tables import Space


def test_named_parameters() -> None:
    query = statement("SELECT :a::text, :b, :a", a="x", b=2)
    assert query.template == "SELECT {}::text, {}, {}" and list(query.args) == ["x", 2, "x"]
    with pytest.raises(KeyError, match="'b'"):
        statement("SELECT :a, :b", a=1)


def test_dialect_spells_json_for_the_engine() -> None:
    sql = "SELECT json_group_array(json_array(a, b)) FROM t"
    expected = sql if is_sqlite() else "SELECT json_agg(json_build_array(a, b)) FROM t"
    assert dialect(sql) == expected


def test_row_locks_are_postgresqls_alone() -> None:
    sql = "SELECT (SELECT f.id FROM f WHERE f.id = :id FOR UPDATE) AS locked"
    assert dialect(sql) == (sql.replace(" FOR UPDATE", "") if is_sqlite() else sql)


async def test_json_arrays_on_the_engine(database: None) -> None:
    found = "SELECT json_group_array(json_array(n, CAST(:word AS TEXT))) FROM (SELECT 1 AS n UNION ALL SELECT 2) AS t"
    nothing = "SELECT json_group_array(json_array(n)) FROM (SELECT 1 AS n) AS t WHERE n > 1"
    sql = dialect(f"SELECT ({found}) AS found, ({nothing}) AS empty")
    rows = await Space.raw("{}", statement(sql, word="书"))
    assert sorted(loads(rows[0]["found"], [])) == [[1, "书"], [2, "书"]]
    assert loads(rows[0]["empty"], []) == []
