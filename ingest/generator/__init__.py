r"""A realistic sample portfolio, with a default history planted on its network.

:func:`generate_portfolio` writes a portfolio folder in the interchange format
(``shared/portfolio-format.md``): ``manifest.json`` (``{"name", "as_of", "currency": "CNY"}``)
and the tables ``enterprises``, ``persons``, ``positions``, ``shareholdings``, ``family``,
``loans``, ``guarantees``, ``contacts``, ``events`` (``.csv`` or ``.parquet``, same stems and
columns; enterprises carry the features ``f_current_ratio``, ``f_interest_coverage`` and
``f_revenue_growth``). It also writes the labels, **in the sub-folder** ``<out>/labels/labels.csv``
(the loader reads only the table stems at the top of the folder, so the labels never load as
portfolio data): columns ``entity_id,defaulted,default_date``, one row per enterprise,
``defaulted`` 1 exactly when the firm defaults in ``(as_of, as_of + horizon_days]``, with that
date, else 0 and an empty date. A firm that defaulted before ``as_of`` is labelled 0 (it cannot
default again); it shows in the portfolio as loans in status ``default``: leave such firms out
when training or scoring a model of new defaults.

What the portfolio holds (all knobs in :class:`GeneratorConfig`):

* **enterprises** with valid, unique USCCs (``91`` + the county code of registration + a GB 11714
  organisation code, ``MA...`` for firms registered after 2015 + check character), unique Chinese
  names (place + brand + trade + legal form; a group's firms share its brand), ten industries
  plus group holding companies (``investment``) and financing-guarantee companies, regions in
  Zhejiang, Jiangsu, Shandong, Shanghai and Fujian, financial statements whose leverage and
  ratios move with a latent risk factor;
* **business groups** (45% of firms by default; 2-30 firms, Pareto sizes): a controller (often
  with the spouse) owns the top firm, which owns 51-100% of subsidiaries, which own further
  subsidiaries; minority stakes of outside investors, some cross-holdings and rare ownership
  cycles. The stakes in any one firm add up to at most 1;
* **persons** with valid, unique resident ids (birthplace county, birth date 1950-2000 agreeing
  with ``birth_date``, sex digit, check character), family ties among controllers, spouses,
  children, siblings and parents (each tie written once: ``(A, B, child)`` means B is A's child),
  exactly one legal representative per firm (one person often represents several firms of a
  group), directors, supervisors, managers, a few posts that ended;
* **loans** from the configured lenders (default: the big four, 交通银行, 招商银行, 浙商银行,
  江苏银行) and **guarantees** of every shape seen in Chinese guarantee networks (group,
  mutual pairs, circles, chains, third parties, guarantee companies, controllers and spouses);
* **contacts** shared within groups, through legal representatives' mobiles and, for a few
  unrelated firms, a registration address or an agent's phone; **events** consistent with the
  loans (see ``_history``).

The planted process (``_contagion``): each firm's annual baseline default probability is
:math:`\mathrm{PD}_i = \mathrm{logistic}(\texttt{base\_logit} + s_i)` with the score

.. math::
    s_i = 4\,(L_i - 0.6) - \ln CR_i - 0.3 \ln IC_i - 1.5\,g_i + 0.4\,r_{ind}
          + 0.3\,[\text{age} < 3] - [\text{guarantee company}] + \varepsilon_i,
    \qquad \varepsilon_i \sim N(0, 0.4^2)

(:math:`L` liabilities / assets, :math:`CR` current ratio, :math:`IC` interest coverage,
:math:`g` revenue growth, :math:`r_{ind}` the industry's risk shift). Monthly steps run over
``history_months`` before ``as_of`` and the horizon after it; a firm's default intensity is its
baseline times a credit-cycle factor rising from ``macro_start`` to ``macro_end``, plus a pull
from every neighbour that has defaulted, decaying with ``contagion_decay_days`` (default
strengths, added annual intensity per defaulted neighbour): strongest on the guarantors of a
defaulted borrower, who are called (up to 1.2, by the guaranteed amount against their net
assets); then borrowers that lost a guarantor (0.15) and firms of the same group
(0.15 / sqrt(group size - 1)); firms sharing the legal representative (0.1); firms sharing a
phone, address or email (0.05). Only firms with a loan and at least a year old can default; a
loan defaults at ``overdue_lead_days`` (90) days past due. Defaults before ``as_of`` are in the
portfolio; defaults after it only in the labels.

With the defaults (100,000 firms, seed 7): 5.3% of firms default before ``as_of`` and 5.7% in
the horizon; of the firms still standing, those with a guarantee counterparty (a borrower they
guarantee, or a guarantor of theirs) that defaulted before ``as_of`` default in the horizon at
26%, the others at 5%. The horizon default rate rises from 3.5% in the lowest leverage quintile
to 9.6% in the highest.

The same config writes byte-identical files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.generator._config import GeneratorConfig
from ingest.generator._contacts import build_contacts
from ingest.generator._contagion import contagion_matrix, simulate
from ingest.generator._credit import build_guarantees, build_loans
from ingest.generator._firms import build_firms
from ingest.generator._history import settle
from ingest.generator._identities import NODATE, to_dates
from ingest.generator._ownership import build_shareholdings
from ingest.generator._people import PeopleBuilder, build_roles
from ingest.generator._tables import assemble
from ingest.generator._writer import write_labels, write_manifest, write_table

__all__ = ["GeneratedPortfolio", "GeneratorConfig", "LABELS_FILE", "generate_portfolio"]

LABELS_FILE = Path("labels") / "labels.csv"
"""Where the labels go, relative to the portfolio folder."""


@dataclass(frozen=True)
class GeneratedPortfolio:
    path: Path  # the portfolio folder
    labels_path: Path  # <path>/labels/labels.csv
    rows: dict[str, int]  # rows written per table, in the format's order
    defaults_before_as_of: int  # firms that defaulted in the history (in the portfolio)
    defaults_in_horizon: int  # firms labelled 1


def generate_portfolio(out: Path, config: GeneratorConfig,
                       progress: Callable[[str], None] | None = None) -> GeneratedPortfolio:
    """Write a sample portfolio into the folder ``out`` (created if missing; table files of the
    same stems are replaced) and its labels into ``out/labels/labels.csv``."""
    cfg = config
    say = progress or (lambda _msg: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    streams = np.random.SeedSequence(cfg.seed).spawn(9)
    rng = [np.random.default_rng(s) for s in streams]

    say(f"enterprises and business groups ({cfg.enterprises:,})")
    firms = build_firms(rng[0], cfg)
    say("persons, posts and families")
    pb = PeopleBuilder(rng[1])
    roles = build_roles(rng[1], cfg, firms, pb)
    say("shareholdings")
    holdings = build_shareholdings(rng[2], cfg, firms, roles, pb)
    people = pb.finish()
    say("loans and guarantees")
    loans = build_loans(rng[3], cfg, firms)
    guarantees = build_guarantees(rng[4], cfg, firms, roles, loans)
    say("contacts")
    contacts = build_contacts(rng[5], cfg, firms, roles, people.n)
    say("simulating the default history")
    w = contagion_matrix(cfg, firms, roles, loans, guarantees, contacts)
    history = simulate(rng[6], cfg, firms, loans, w)
    snap = settle(rng[7], cfg, firms, roles, loans, guarantees, history.default_day)

    tables = assemble(cfg, firms, people, roles, holdings, loans, guarantees, contacts, snap)

    rows: dict[str, int] = {}
    for stem, (columns, keys) in tables.items():
        say(f"writing {stem}")
        write_table(out, stem, columns, keys, cfg.file_format)
        rows[stem] = len(columns[keys[0]])
    write_manifest(out, cfg.portfolio_name, cfg.as_of.isoformat())

    tau = history.default_day
    in_horizon = (tau != NODATE) & (tau > 0) & (tau <= cfg.horizon_days)
    labels_path = out / LABELS_FILE
    write_labels(labels_path, firms.ids, in_horizon,
                 to_dates(np.where(in_horizon, tau, NODATE), cfg.as_of))
    before = int(((tau != NODATE) & (tau <= 0)).sum())
    say(f"done: {before} defaults before as_of, {int(in_horizon.sum())} in the horizon")
    return GeneratedPortfolio(out, labels_path, rows, before, int(in_horizon.sum()))
