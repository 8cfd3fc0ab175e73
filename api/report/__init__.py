"""The credit committee report: one borrower's connected-counterparty group, in HTML and PDF.

:func:`build_report` gathers everything a committee files before renewing or raising a line
(journey 2): the group with every member's evidence, the exposure by lender against the
large-exposure limits, the scores and their top contributors with paths, a picture of the
group graph drawn here in Python (SVG, no browser needed), and the outcome of a default
scenario on the borrower (DebtRank, :mod:`gnn.contagion`). The result renders to
self-contained HTML (:attr:`Report.html`) and to PDF through headless Chromium's
print-to-PDF (:meth:`Report.pdf_bytes`). Persons appear by name and masked resident id only,
never by person key: the report leaves the building.

Typical use::

    report = build_report(store, settings, "91330100MA0000001X")
    Path("out/report.html").write_text(report.html, encoding="utf-8")
    Path("out/report.pdf").write_bytes(report.pdf_bytes())
"""

from api.report.build import Report, ReportData, ReportOptions, build_report
from api.report.pdf import PdfError, html_to_pdf
from api.report.picture import group_picture

__all__ = [
    "PdfError",
    "Report",
    "ReportData",
    "ReportOptions",
    "build_report",
    "group_picture",
    "html_to_pdf",
]
