"""Rendering :class:`~api.report.build.ReportData` to self-contained HTML (Jinja2, autoescaped).

The template is ``report.html.j2`` beside this module; its CSS is inline and its picture an
inline SVG, so the HTML file can be mailed or archived alone and printed without a network.
"""

from __future__ import annotations

import math
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from api.report.build import ReportData
from api.report.picture import EDGE_STYLES, pd_colour

__all__ = ["render_html"]

_RULE_WORDS = {
    "control": "control",
    "common_controller": "same ultimate controller",
    "legal_rep": "same legal representative",
    "family": "family of controllers",
    "guarantee_dependence": "guarantee dependence",
}


def _money(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.0f}"


def _pct(x: float | None, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x * 100:.{digits}f}%"


def _points(x: float | None) -> str:
    """A share difference in percentage points, signed."""
    if x is None:
        return "–"
    return f"{x * 100:+.2f} pts"


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(Path(__file__).parent),
                      autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(money=_money, pct=_pct, points=_points, pd_colour=pd_colour,
                       rule=lambda r: _RULE_WORDS.get(str(getattr(r, "value", r)), str(r)))
    return env


def render_html(data: ReportData) -> str:
    template = _env().get_template("report.html.j2")
    members_by_id = {m.member.node.id: m for m in data.members}
    breaches = [x for x in data.group_exposure.by_lender if x.breach]
    return template.render(d=data, picture=Markup(data.picture_svg), edge_styles=EDGE_STYLES,
                           members_by_id=members_by_id, breaches=breaches,
                           subject=data.subject_row)
