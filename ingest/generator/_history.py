"""What the simulated history leaves in the snapshot: loan statuses and balances, credit events,
enterprise statuses, and the labels (defaults after ``as_of``, which never enter the portfolio).

A firm that defaulted on day :math:`\\tau \\le 0` (before ``as_of``) has every loan that was still
running ``overdue_lead_days`` before it in status ``default`` with ``default_date`` = τ (no loan
of it starts later than that), an ``overdue`` event when the payment was missed and a ``default``
event on τ for each such loan, and then, as time allows, lawsuits (naming its guarantors too),
enforcement, the dishonest-debtor list (the firm and its legal representative), lost contact and
partial recoveries. A firm defaulting soon after ``as_of`` may already show an overdue loan (its
days past due consistent with the coming default), a lost contact or a private-lending lawsuit:
the leading signals an early-warning model should find. Unrelated overdue spells and lawsuits
are sprinkled as noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingest.generator._config import GeneratorConfig
from ingest.generator._credit import Guarantees, Loans
from ingest.generator._firms import Firms
from ingest.generator._identities import NODATE
from ingest.generator._people import Roles
from ingest.generator._vocab import CITIES, PROVINCE_ABBR

__all__ = ["Snapshot", "settle"]


@dataclass
class Snapshot:
    """Loan columns as of ``as_of`` (aligned with the loans), events and firm statuses."""

    status: np.ndarray  # object
    outstanding: np.ndarray  # int64
    default_date: np.ndarray  # day offset or NODATE
    overdue_days: np.ndarray  # int64, -1 for none
    events: pd.DataFrame  # entity, person (bool), date, kind, detail
    firm_status: np.ndarray  # object


def _round4(x: np.ndarray) -> np.ndarray:
    return (np.round(x / 1e4) * 1e4).astype(np.int64)


def settle(rng: np.random.Generator, cfg: GeneratorConfig, f: Firms, roles: Roles, loans: Loans,
           guarantees: Guarantees, default_day: np.ndarray) -> Snapshot:
    """Fix loan dates and statuses to agree with the history (``loans.start`` is updated in
    place) and derive the events."""
    lead = cfg.overdue_lead_days
    n, m = f.n, len(loans)
    tau = default_day
    past = (tau != NODATE) & (tau <= 0)
    tau_l = tau[loans.borrower]
    past_l = past[loans.borrower]
    est_l = f.established[loans.borrower]

    # no loan of a defaulted firm starts after its first missed payment
    late = past_l & (loans.start > tau_l - lead - 30)
    shift = np.floor(rng.random(m) * np.minimum(loans.term, 700)).astype(np.int64)
    loans.start[late] = np.maximum(tau_l[late] - lead - 30 - shift[late], est_l[late] + 30)
    running = past_l & (loans.maturity >= tau_l - lead)
    # a defaulted firm without a running loan: its first loan was still running
    firms_running = np.bincount(loans.borrower[running], minlength=n) > 0
    fix_firm = np.flatnonzero(past & ~firms_running)
    fix = loans.first[fix_firm]
    x = np.floor(rng.random(len(fix)) * (loans.term[fix] - 60)).astype(np.int64)
    loans.start[fix] = np.maximum(tau[fix_firm] - lead - 30 - x, f.established[fix_firm] + 30)
    running[fix] = True

    maturity = loans.maturity
    status = np.where(maturity <= 0, "closed", "performing").astype(object)
    status[past_l & ~running] = "closed"
    status[running] = "default"
    elapsed = np.where(running, tau_l, 0) - loans.start
    left = 1 - 0.8 * np.clip(elapsed / loans.term, 0, 1)
    outstanding = np.where(loans.term <= 365, loans.amount, _round4(loans.amount * left))
    outstanding = np.where(status == "closed", 0, np.minimum(outstanding, loans.amount))
    default_date = np.where(running, tau_l, NODATE)
    overdue_days = np.where(running, lead - tau_l, -1)

    # leading signal: a default soon after as_of already shows as days past due
    soon = (tau != NODATE) & (tau > 0) & (tau < lead) & (rng.random(n) < cfg.overdue_signal_share)
    live = status == "performing"
    # noise: a few healthy firms are a little late on a payment
    late_payer = (tau == NODATE) & (rng.random(n) < 0.012)
    target_firm = soon | late_payer
    # (one that has run for a while, so that the missed payment falls inside its life)
    candidate = live & target_firm[loans.borrower] & (loans.start <= -lead)
    # the firm's largest running loan goes overdue
    order = np.lexsort((-loans.amount, loans.borrower))
    cand_sorted = order[candidate[order]]
    first_of = np.unique(loans.borrower[cand_sorted], return_index=True)[1]
    od_loan = cand_sorted[first_of]
    od_firm = loans.borrower[od_loan]
    dpd = np.where(soon[od_firm], lead - tau[od_firm], rng.integers(1, 61, len(od_loan)))
    status[od_loan] = "overdue"
    overdue_days[od_loan] = dpd

    events, outstanding = _events(rng, cfg, f, roles, loans, guarantees, tau, status,
                                  outstanding, default_date, overdue_days)

    firm_status = np.full(n, "active", dtype=object)
    old_default = past & (tau < -180)
    roll = rng.random(n)
    firm_status[old_default & (roll < 0.15)] = "liquidating"
    firm_status[old_default & (roll >= 0.15) & (roll < 0.2)] = "revoked"
    live_firm = np.bincount(loans.borrower[status != "closed"], minlength=n) > 0
    guarantor = np.zeros(n, dtype=bool)
    guarantor[guarantees.guarantor[~guarantees.person]] = True
    dormant = ~past & ~live_firm & ~guarantor & (f.rank != 0) & (tau == NODATE)
    firm_status[dormant & (roll < 0.05)] = "revoked"
    firm_status[dormant & (roll >= 0.05) & (roll < 0.08)] = "cancelled"
    return Snapshot(status, outstanding, default_date, overdue_days, events, firm_status)


def _case_numbers(rng: np.random.Generator, f: Firms, firm: np.ndarray, day: np.ndarray,
                  cfg: GeneratorConfig, kind: str) -> np.ndarray:
    """Court case numbers such as ``(2025)浙0106民初1234号``."""
    year = (np.datetime64(cfg.as_of, "D") + day.astype("timedelta64[D]")).astype(
        "datetime64[Y]").astype(np.int64) + 1970
    abbr = [PROVINCE_ABBR[CITIES[c].province] for c in f.city[firm].tolist()]
    court = [d[2:] for d in f.district[firm].tolist()]
    number = rng.integers(1, 20000, len(firm))
    return np.array([f"({y}){a}{c}{kind}{k}号" for y, a, c, k in
                     zip(year.tolist(), abbr, court, number.tolist(), strict=True)], dtype=object)


def _events(rng: np.random.Generator, cfg: GeneratorConfig, f: Firms, roles: Roles, loans: Loans,
            guarantees: Guarantees, tau: np.ndarray, status: np.ndarray,
            outstanding: np.ndarray, default_date: np.ndarray,
            overdue_days: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """The events, and the outstanding balances after recoveries."""
    lead = cfg.overdue_lead_days
    n = f.n
    ev: list[pd.DataFrame] = []

    def add(entity: np.ndarray, person: bool | np.ndarray, day: np.ndarray, kind: str,
            detail: np.ndarray) -> None:
        ev.append(pd.DataFrame({"entity": entity, "person": person, "date": day, "kind": kind,
                                "detail": detail}))

    ids = loans.ids
    # defaulted loans: the missed payment, then the default
    dl = np.flatnonzero(status == "default")
    tau_d = default_date[dl]
    add(loans.borrower[dl], False, tau_d - lead, "overdue",
        np.array([f"贷款{i}逾期" for i in ids[dl].tolist()], dtype=object))
    add(loans.borrower[dl], False, tau_d, "default",
        np.array([f"贷款{i}逾期{lead}天，认定违约" for i in ids[dl].tolist()], dtype=object))
    # loans overdue now
    ol = np.flatnonzero(status == "overdue")
    add(loans.borrower[ol], False, -overdue_days[ol], "overdue",
        np.array([f"贷款{i}逾期" for i in ids[ol].tolist()], dtype=object))
    # cured overdue spells in the past
    perf = np.flatnonzero((status == "performing") & (rng.random(len(loans)) < 0.02))
    lo = np.maximum(loans.start[perf] + 30, -700)
    ok = lo < -30
    perf, lo = perf[ok], lo[ok]
    day = lo + np.floor(rng.random(len(perf)) * (-30 - lo)).astype(np.int64)
    spell = rng.integers(3, 45, len(perf))
    add(loans.borrower[perf], False, day, "overdue",
        np.array([f"贷款{i}逾期{d}天后结清"
                  for i, d in zip(ids[perf].tolist(), spell.tolist(), strict=True)], dtype=object))

    # recoveries on defaulted loans
    rec = dl[(default_date[dl] <= -120) & (rng.random(len(dl)) < 0.3)]
    r_day = default_date[rec] + 60 + np.floor(
        rng.random(len(rec)) * (-default_date[rec] - 60)).astype(np.int64)
    got = np.minimum(_round4(outstanding[rec] * rng.uniform(0.1, 0.6, len(rec))), outstanding[rec])
    outstanding = outstanding.copy()
    outstanding[rec] -= got
    add(loans.borrower[rec], False, r_day, "recovery",
        np.array([f"贷款{i}回收{a}元"
                  for i, a in zip(ids[rec].tolist(), got.tolist(), strict=True)], dtype=object))

    # the courts: lawsuit (borrower and guarantors), enforcement, dishonest-debtor list
    defaulted = np.flatnonzero((tau != NODATE) & (tau <= 0))
    sued = defaulted[rng.random(len(defaulted)) < 0.7]
    s_day = tau[sued] + rng.integers(30, 181, len(sued))
    keep = s_day <= 0
    sued, s_day = sued[keep], s_day[keep]
    case = _case_numbers(rng, f, sued, s_day, cfg, "民初")
    add(sued, False, s_day, "lawsuit", np.char.add(case.astype(str), " 金融借款合同纠纷"))
    # co-defendants: the guarantors of the sued firm's defaulted loans
    g_loan_borrower = loans.borrower[guarantees.loan]
    g_defaulted = status[guarantees.loan] == "default"
    pos = np.full(n, -1, dtype=np.int64)
    pos[sued] = np.arange(len(sued))
    hit = g_defaulted & (pos[g_loan_borrower] >= 0)
    which = pos[g_loan_borrower[hit]]
    add(guarantees.guarantor[hit], guarantees.person[hit], s_day[which], "lawsuit",
        np.char.add(case[which].astype(str), " 金融借款合同纠纷（保证人）"))
    enforced = rng.random(len(sued)) < 0.6
    e_firm = sued[enforced]
    e_day = s_day[enforced] + rng.integers(90, 301, len(e_firm))
    keep = e_day <= 0
    e_firm, e_day = e_firm[keep], e_day[keep]
    e_case = _case_numbers(rng, f, e_firm, e_day, cfg, "执")
    add(e_firm, False, e_day, "enforcement", e_case)
    listed = rng.random(len(e_firm)) < 0.5
    l_firm = e_firm[listed]
    l_day = e_day[listed] + rng.integers(30, 201, len(l_firm))
    keep = l_day <= 0
    l_firm, l_day, l_case = l_firm[keep], l_day[keep], e_case[listed][keep]
    detail = np.char.add("失信被执行人 ", l_case.astype(str)).astype(object)
    add(l_firm, False, l_day, "dishonest_debtor", detail)
    add(roles.legal_rep[l_firm], True, l_day, "dishonest_debtor", detail)

    # lost contact: after a default, or just before one (a leading signal)
    gone = defaulted[rng.random(len(defaulted)) < 0.2]
    g_day = np.minimum(tau[gone] + rng.integers(-30, 91, len(gone)), 0)
    soon = np.flatnonzero((tau != NODATE) & (tau > 0) & (tau <= 120) & (rng.random(n) < 0.08))
    reason = np.array(["实际控制人失联", "企业经营场所人去楼空", "法定代表人电话无法接通"],
                      dtype=object)
    add(np.concatenate([gone, soon]), False,
        np.concatenate([g_day, -rng.integers(0, 31, len(soon))]), "lost_contact",
        reason[rng.integers(0, len(reason), len(gone) + len(soon))])

    # other lawsuits: noise everywhere, private-lending suits before a coming default
    noise = np.flatnonzero(rng.random(n) < 0.02)
    n_day = -rng.integers(0, 731, len(noise))
    add(noise, False, n_day, "lawsuit",
        np.char.add(_case_numbers(rng, f, noise, n_day, cfg, "民初").astype(str), " 买卖合同纠纷"))
    pre = np.flatnonzero((tau != NODATE) & (tau > 0) & (rng.random(n) < 0.2))
    p_day = -rng.integers(0, 181, len(pre))
    add(pre, False, p_day, "lawsuit",
        np.char.add(_case_numbers(rng, f, pre, p_day, cfg, "民初").astype(str), " 民间借贷纠纷"))

    out = pd.concat(ev, ignore_index=True)
    out["detail"] = out["detail"].astype(object)
    out = out[out["date"] <= 0]
    out = out.drop_duplicates(["entity", "person", "date", "kind", "detail"]).reset_index(drop=True)
    return out, outstanding
