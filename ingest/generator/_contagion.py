r"""The planted default process: a discrete-time self-exciting (Hawkes-like) hazard model on the
firms' network.

Time runs in monthly steps over ``history_months`` before ``as_of`` and ``horizon_days`` after
it. In step :math:`k` (days :math:`(a_k, b_k]`, :math:`\Delta_k = b_k - a_k`) a firm :math:`i`
that has not defaulted, has a loan and is at least a year old defaults with probability

.. math::
    p_{i,k} = 1 - \exp\Big(-\tfrac{\Delta_k}{365.25}\,\lambda_{i,k}\Big), \qquad
    \lambda_{i,k} = \lambda^0_i\, M(t_k) + \sum_j W_{ij}\, e^{-(a_k - \tau_j)/T}\,[\tau_j \le a_k]

where :math:`\lambda^0_i = -\ln(1 - \mathrm{PD}_i)` is the baseline annual intensity from the
firm's financials, :math:`M(t)` the credit-cycle multiplier (linear from ``macro_start`` to
``macro_end``, taken at the step's middle), :math:`\tau_j` the default day of firm :math:`j`
and :math:`T` = ``contagion_decay_days``. The default day is drawn uniformly in the step. All
firms move at once: a default pulls on its neighbours from the next step on.

The contagion matrix :math:`W` (n x n, annual intensity added to i per unit pull of j) sums:

* guarantee call: :math:`\kappa_{call}\,\sqrt{\min(1, A_{ij}/E_i)}` where :math:`A_{ij}` is what
  guarantor i has guaranteed of borrower j's loans and :math:`E_i` its net assets;
* guarantee lost: :math:`\kappa_{loss}` from a guarantor j to the borrower i it guarantees;
* group: :math:`\kappa_{group} / \sqrt{n_g - 1}` between any two firms of a group of
  :math:`n_g` firms;
* legal representative: :math:`\kappa_{rep}` between firms with the same legal representative;
* contact: :math:`\kappa_{contact}` between firms sharing a phone, address or email.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ingest.generator._config import GeneratorConfig
from ingest.generator._credit import Guarantees, Loans
from ingest.generator._firms import Firms
from ingest.generator._identities import NODATE
from ingest.generator._people import Roles

__all__ = ["History", "contagion_matrix", "simulate"]

_YEAR = 365.25
_MONTH = _YEAR / 12


@dataclass
class History:
    default_day: np.ndarray  # per firm: day offset of its default, NODATE if none
    steps: np.ndarray  # step boundaries (day offsets)


def _clique(members: np.ndarray, cliques: np.ndarray, n: int, weight: np.ndarray | None,
            n_cliques: int) -> sp.csr_matrix:
    """Pairs of distinct firms sharing a clique, with the clique's weight (max 1 per pair when
    ``weight`` is None)."""
    inc = sp.csr_matrix((np.ones(len(members)), (members, cliques)), shape=(n, n_cliques))
    inc.data[:] = 1.0  # a firm listed twice in a clique counts once
    if weight is not None:
        inc = inc @ sp.diags(np.sqrt(weight))
    pairs = (inc @ inc.T).tocsr()
    pairs.setdiag(0)
    pairs.eliminate_zeros()
    if weight is None:
        pairs.data = np.minimum(pairs.data, 1.0)
    return pairs


def contagion_matrix(cfg: GeneratorConfig, f: Firms, roles: Roles, loans: Loans,
                     guarantees: Guarantees, contacts: pd.DataFrame) -> sp.csr_matrix:
    n = f.n
    firm_g = ~guarantees.person
    g = guarantees.guarantor[firm_g]
    b = loans.borrower[guarantees.loan[firm_g]]
    exposure = sp.csr_matrix((guarantees.amount[firm_g].astype(float), (g, b)), shape=(n, n))
    coo = exposure.tocoo()  # duplicates summed by the csr conversion
    rows, cols = coo.row, coo.col
    share = coo.data / f.net_assets[rows]
    call = sp.csr_matrix((cfg.kappa_guarantee_call * np.sqrt(np.minimum(1.0, share)),
                          (rows, cols)), shape=(n, n))
    lost = sp.csr_matrix((np.full(len(rows), cfg.kappa_guarantee_loss), (cols, rows)),
                         shape=(n, n))

    in_group = np.flatnonzero(f.group >= 0)
    w_group = cfg.kappa_group / np.sqrt(np.maximum(f.group_size - 1, 1))
    group = _clique(in_group, f.group[in_group], n, w_group, f.groups)

    rep_people, rep_clique = np.unique(roles.legal_rep, return_inverse=True)
    rep = _clique(np.arange(n), rep_clique, n, None, len(rep_people)) * cfg.kappa_legal_rep

    firm_contacts = contacts[~contacts["owner_person"]]
    values, value_clique = np.unique(
        (firm_contacts["kind"] + ":" + firm_contacts["value"].astype(str)).to_numpy(dtype=str),
        return_inverse=True)
    shared = _clique(firm_contacts["owner"].to_numpy(), value_clique, n, None, len(values))
    shared.data = np.minimum(shared.data, 1.0)
    contact = shared * cfg.kappa_contact
    return (call + lost + group + rep + contact).tocsr()


def simulate(rng: np.random.Generator, cfg: GeneratorConfig, f: Firms, loans: Loans,
             w: sp.csr_matrix) -> History:
    n = f.n
    history_days = int(round(cfg.history_months * _MONTH))
    n_post = int(np.ceil(cfg.horizon_days / _MONTH))
    steps = np.unique(np.concatenate([
        np.round(np.linspace(-history_days, 0, cfg.history_months + 1)),
        np.round(np.linspace(0, cfg.horizon_days, n_post + 1)),
    ])).astype(np.int64)
    base = -np.log1p(-f.baseline_pd)
    can_default = loans.count > 0
    active_from = f.established + 365
    span = steps[-1] - steps[0]

    day = np.full(n, NODATE, dtype=np.int64)
    pull = np.zeros(n)  # e^{-(a - tau)/T} of defaulted firms at the current step start
    for a, b in zip(steps[:-1].tolist(), steps[1:].tolist(), strict=True):
        done = day != NODATE
        pull[done] = np.exp(-(a - day[done]) / cfg.contagion_decay_days)
        progress = ((a + b) / 2 - steps[0]) / span
        macro = cfg.macro_start + (cfg.macro_end - cfg.macro_start) * progress
        intensity = base * macro + w @ pull
        p = -np.expm1(-intensity * (b - a) / _YEAR)
        at_risk = ~done & can_default & (active_from <= a)
        hit = at_risk & (rng.random(n) < p)
        k = int(hit.sum())
        day[hit] = a + 1 + np.floor(rng.random(k) * (b - a)).astype(np.int64)
    return History(day, steps)
