"""HTML to PDF through headless Chromium's print-to-PDF (Playwright drives Debian's Chromium).

Chromium renders the report exactly as a browser shows it, Chinese names included (the fonts
are Debian's ``fonts-noto-cjk``), and prints A4 pages with a running footer (title, page
``n of N``). Playwright is used with the system browser (``executable_path``); it never
downloads one. The browser is found as ``chromium`` argument, then ``$RISKGRAPH_CHROMIUM`` (read
by the caller at the edge and passed in), then ``chromium``/``chromium-browser``/
``google-chrome`` on the ``PATH``.

The page is loaded with JavaScript off and every network request refused: the report is
self-contained HTML, so printing it can never reach anywhere.
"""

from __future__ import annotations

import shutil
import threading
from html import escape

from riskgraph.errors import RiskgraphError

__all__ = ["CHROMIUM_ARGS", "PdfError", "find_chromium", "html_to_pdf"]

#: Launch arguments: headless, no sandbox (containers, root), nothing phoning home.
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage")

_LOCK = threading.Lock()  # one print at a time per process: Chromium is heavy


class PdfError(RiskgraphError):
    """The PDF could not be printed (no Chromium, or it failed)."""


def find_chromium(given: str | None = None) -> str:
    import os

    for candidate in (given, os.environ.get("RISKGRAPH_CHROMIUM"), "chromium",
                      "chromium-browser", "google-chrome"):
        if not candidate:
            continue
        found = shutil.which(candidate)
        if found:
            return found
    raise PdfError("no Chromium found for printing the PDF: install Debian's `chromium` "
                   "package (tools/setup.sh does) or set RISKGRAPH_CHROMIUM to its path; "
                   "the HTML report needs no browser")


def _footer(title: str) -> str:
    return ('<div style="font-size:8px;width:100%;padding:0 12mm;color:#64748b;'
            'font-family:\'Noto Sans CJK SC\',sans-serif;display:flex;'
            'justify-content:space-between">'
            f'<span>{escape(title)}</span><span>page <span class="pageNumber"></span> of '
            '<span class="totalPages"></span></span></div>')


def html_to_pdf(html: str, *, chromium: str | None = None, timeout_s: float = 60.0,
                title: str = "riskgraph report") -> bytes:
    """Print ``html`` (self-contained) to A4 PDF bytes."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - a broken install
        raise PdfError("the `playwright` package is missing; run tools/setup.sh") from exc
    exe = find_chromium(chromium)
    with _LOCK:
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=exe, args=list(CHROMIUM_ARGS),
                                             timeout=timeout_s * 1000)
                try:
                    context = browser.new_context(java_script_enabled=False)
                    context.route("**/*", lambda route: route.abort())
                    page = context.new_page()
                    page.set_content(html, wait_until="load", timeout=timeout_s * 1000)
                    return page.pdf(format="A4", print_background=True,
                                    display_header_footer=True,
                                    header_template="<span></span>",
                                    footer_template=_footer(title),
                                    margin={"top": "14mm", "bottom": "16mm", "left": "12mm",
                                            "right": "12mm"})
                finally:
                    browser.close()
        except PlaywrightError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise PdfError(f"Chromium could not print the report: {first}") from exc
