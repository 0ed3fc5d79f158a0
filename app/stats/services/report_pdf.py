"""The monthly report as a PDF: A4, Chinese (the repository's Noto Sans SC subset), tables
drawn with fpdf2."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.stats.services.report import FONT, STREET_HEADER, MonthlyReport, district_rows, theme_rows, title

if TYPE_CHECKING:
    from fpdf import FPDF


def _table(pdf: FPDF, heading: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    pdf.set_font("noto", size=12)
    pdf.cell(text=heading, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("noto", size=8 if len(header) > 6 else 10)
    if not rows:
        pdf.cell(text="（无）", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        return
    with pdf.table(text_align="CENTER", line_height=6) as table:
        table.row([str(h) for h in header])
        for values in rows:
            table.row(["" if v is None else str(v) for v in values])
    pdf.ln(4)


def pdf(r: MonthlyReport) -> bytes:
    # Imported when a report is drawn: fpdf2 and its fontTools take ~18 MB that every web
    # process and worker would otherwise hold for a job that runs once a month.
    from fpdf import FPDF

    doc = FPDF(format="A4")
    doc.set_title(title(r))
    doc.add_font("noto", "", str(FONT))
    doc.add_font("noto", "B", str(FONT.with_name("NotoSansSC-Bold-GB2312.otf")))
    doc.set_auto_page_break(auto=True, margin=15)
    doc.add_page()
    doc.set_font("noto", size=16)
    doc.cell(text=title(r), new_x="LMARGIN", new_y="NEXT", align="C")
    doc.set_font("noto", size=9)
    doc.cell(text="按实际到场的人计算；日期按北京时间。", new_x="LMARGIN", new_y="NEXT", align="C")
    doc.ln(4)
    _table(doc, "一、全区概况", ("项目", "数值"), district_rows(r))
    _table(doc, "二、各街道", STREET_HEADER, r.streets)
    _table(doc, "三、最活跃的阅读空间", ("阅读空间", "街道", "签到人次", "到场人数"), r.active)
    reasons = {"no_check_in": "长期无签到", "below_usual": "低于平时一半"}
    quiet = [(q.name, q.street, reasons[q.reason], q.last_check_in_on or "—") for q in r.quiet]
    _table(doc, "四、冷清的阅读空间", ("阅读空间", "街道", "原因", "最近签到"), quiet)
    _table(doc, "五、绘本＋主题活动", ("主题", "活动场次", "到场人数", "阅读活动"), theme_rows(r))
    return bytes(doc.output())
