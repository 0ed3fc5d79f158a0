"""The size limits of docs/architecture.md, held for every module outside tests and
migrations: no module over 400 lines, no function over 60 lines."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "spaces", "reading", "qr")
MODULE_LINES, FUNCTION_LINES = 400, 60


def modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts)


def too_long(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    found = []
    if (lines := source.count("\n")) > MODULE_LINES:
        found.append(f"{lines} lines")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > FUNCTION_LINES:
                found.append(f"{node.name}() at line {node.lineno}: {length} lines")
    return found


def test_every_package_module_is_read() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in modules()}
    assert {"app/kernel/values.py", "spaces/services/places.py", "reading/lending/errors.py"} <= names
    assert not any("/migrations/" in n for n in names)


def test_no_module_over_400_lines_and_no_function_over_60() -> None:
    found = {p.relative_to(ROOT).as_posix(): too_long(p) for p in modules()}
    assert {name: said for name, said in found.items() if said} == {}


def test_the_check_finds_a_long_function_and_a_long_module(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(61))
    long_function = tmp_path / "f.py"
    long_function.write_text(f"def f():\n{body}\n", encoding="utf-8")
    assert too_long(long_function) == ["f() at line 1: 62 lines"]
    long_module = tmp_path / "m.py"
    long_module.write_text("x = 1\n" * 401, encoding="utf-8")
    assert too_long(long_module) == ["401 lines"]
