"""Excel files hold any text a person typed: control characters, which XML cannot carry and
openpyxl refuses a whole workbook for, become U+FFFD (found by schemathesis: a space named
with one made the statistics export answer 500)."""

from __future__ import annotations

import io

import openpyxl

from app.kernel.spreadsheets import printable, xlsx_bytes


def test_control_characters_do_not_break_a_workbook() -> None:
    content = xlsx_bytes({"表": [["东\x01四", "=1+1", "a\tb\nc", 3]]})
    row = next(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert row == ("东\ufffd四", "=1+1", "a\tb\nc", 3)


def test_printable_keeps_tabs_newlines_and_chinese() -> None:
    assert printable("第一行\r\n\t第二行\x0b\x00") == "第一行\r\n\t第二行\ufffd\ufffd"
