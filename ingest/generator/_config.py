"""The knobs of the sample-portfolio generator, in one frozen object with sane defaults."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Literal

from ingest.generator._vocab import DEFAULT_LENDER_WEIGHTS, DEFAULT_LENDERS
from riskgraph.errors import ConfigError

__all__ = ["GeneratorConfig"]


@dataclass(frozen=True)
class GeneratorConfig:
    """What portfolio to generate. Shares are fractions in [0, 1]; ``*_per_1000`` are counts per
    1,000 enterprises; contagion strengths ``kappa_*`` are added annual default intensities
    (see the package docstring for the process they drive)."""

    # --- size, time, output ---
    enterprises: int = 2000
    """Number of enterprises (at least 20)."""
    seed: int = 7
    """Random seed: the same config gives byte-identical files."""
    as_of: date = date(2025, 12, 31)
    """Snapshot date of the portfolio; nothing in it is dated later (but maturities and ends)."""
    horizon_days: int = 365
    """Labels cover defaults in ``(as_of, as_of + horizon_days]``."""
    history_months: int = 24
    """Months simulated before ``as_of``; defaults in them appear in the portfolio."""
    file_format: Literal["csv", "parquet"] = "csv"
    """Table files: UTF-8 CSV or Parquet, same stems and columns."""
    name: str | None = None
    """``name`` in manifest.json; default ``sample-<enterprises>-seed<seed>``."""

    # --- business groups and ownership ---
    group_share: float = 0.45
    """Share of enterprises that belong to a business group (two or more firms, one controller)."""
    group_size_max: int = 30
    """Largest group. Sizes follow a Pareto tail from 2 up to this."""
    group_size_alpha: float = 1.3
    """Pareto exponent of group sizes (smaller: more large groups)."""
    holding_company_share: float = 0.6
    """Share of groups whose top firm is a pure holding company (控股集团)."""
    wholly_owned_share: float = 0.4
    """Share of equity stakes (controller in the top firm, parent in a subsidiary) that are 100%."""
    cross_holding_share: float = 0.05
    """Share of subsidiaries in which another group firm higher up (not the parent) holds the
    minority (subsidiaries of the second tier and below)."""
    ownership_cycle_share: float = 0.02
    """Share of groups (3+ firms) where a subsidiary holds a stake in the top firm: a cycle."""
    minority_investment_share: float = 0.04
    """Share of standalone firms in which a group firm holds a minority stake."""
    founder_reuse_share: float = 0.04
    """Share of standalone firms whose founder also founded another standalone firm."""
    guarantee_companies_per_1000: float = 1.5
    """Professional financing-guarantee companies (融资担保公司) per 1,000 enterprises."""

    # --- loans ---
    lenders: tuple[str, ...] = DEFAULT_LENDERS
    """Lender names written to ``loans.lender``."""
    lender_weights: tuple[float, ...] = DEFAULT_LENDER_WEIGHTS
    """Market share of each lender (normalised)."""
    loan_count_probs: tuple[float, ...] = (0.06, 0.42, 0.30, 0.16, 0.06)
    """Probability that a firm has 0, 1, 2, ... loans (firms without loans never default)."""
    closed_loan_share: float = 0.15
    """Share of loans that matured and were repaid before ``as_of`` (status ``closed``)."""

    # --- guarantees ---
    group_guarantee_share: float = 0.55
    """Share of group subsidiaries whose parent guarantees one of their loans."""
    mutual_pairs_per_1000: float = 25.0
    """Mutual guarantee pairs (互保: A guarantees B's loan, B guarantees A's) per 1,000 firms."""
    circles_per_1000: float = 4.0
    """Guarantee circles (担保圈, 3-6 firms guaranteeing each other in a ring) per 1,000 firms."""
    chains_per_1000: float = 5.0
    """Open guarantee chains (A→B→C→..., 3-6 firms) per 1,000 firms."""
    third_party_guarantee_share: float = 0.08
    """Share of borrowers with a guarantee from an unrelated firm of the same region."""
    guarantee_company_use: float = 0.04
    """Share of borrowers with a loan guaranteed by a financing-guarantee company."""
    person_guarantee_share: float = 0.4
    """Share of loans guaranteed by the borrower's controller (half of them also by the spouse)."""

    # --- contacts ---
    group_shared_address_share: float = 0.35
    """Share of group subsidiaries registered at the top firm's address."""
    group_shared_phone_share: float = 0.25
    """Share of group subsidiaries that give the top firm's phone."""
    address_clusters_per_1000: float = 2.0
    """Registration addresses shared by 3-10 unrelated firms (集中注册地) per 1,000 firms."""
    phone_clusters_per_1000: float = 1.5
    """Agents' phones (代理记账) shared by 2-5 unrelated firms per 1,000 firms."""

    # --- default process ---
    base_logit: float = -3.9
    """Intercept of the annual baseline default probability ``logistic(base_logit + score)``."""
    macro_start: float = 0.5
    """Multiplier of the baseline intensity at the start of the history (credit cycle)."""
    macro_end: float = 1.9
    """Multiplier of the baseline intensity at the end of the horizon (linear in between)."""
    kappa_guarantee_call: float = 1.2
    """Intensity a guarantor gains when a borrower it guarantees defaults (it is called)."""
    kappa_guarantee_loss: float = 0.15
    """Intensity a borrower gains when its guarantor defaults (the guarantee is lost)."""
    kappa_group: float = 0.15
    """Intensity a group firm gains per defaulted group firm (divided by sqrt(group size - 1))."""
    kappa_legal_rep: float = 0.1
    """Intensity a firm gains when a firm with the same legal representative defaults."""
    kappa_contact: float = 0.05
    """Intensity a firm gains when a firm sharing its phone, address or email defaults."""
    contagion_decay_days: float = 365.0
    """e-folding time of a neighbour default's pull."""
    overdue_lead_days: int = 90
    """A loan defaults at this many days past due; firms defaulting this soon after as_of may
    show an overdue loan at as_of."""
    overdue_signal_share: float = 0.6
    """Share of such firms whose loan is already overdue at as_of."""

    def __post_init__(self) -> None:
        if self.enterprises < 20:
            raise ConfigError(f"enterprises must be at least 20, not {self.enterprises}")
        if self.as_of < date(2016, 1, 1):
            raise ConfigError("as_of must be 2016-01-01 or later (the generated people are born "
                              "1950-2000 and must be adults by then)")
        if self.horizon_days < 1 or self.history_months < 1:
            raise ConfigError("horizon_days and history_months must be at least 1")
        if self.file_format not in ("csv", "parquet"):
            raise ConfigError(f"file_format must be csv or parquet, not {self.file_format!r}")
        if not self.lenders or len(self.lenders) != len(self.lender_weights):
            raise ConfigError("give one weight per lender (lenders and lender_weights differ)")
        if len(set(self.lenders)) != len(self.lenders):
            raise ConfigError("lender names must be distinct")
        if len(self.loan_count_probs) < 2 or abs(sum(self.loan_count_probs) - 1) > 1e-6:
            raise ConfigError("loan_count_probs must have at least two entries summing to 1")
        if self.group_size_max < 2:
            raise ConfigError("group_size_max must be at least 2")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_share") and not 0 <= value <= 1:
                raise ConfigError(f"{f.name} is a share: give a value in [0, 1], not {value}")
            if (f.name.endswith("_per_1000") or f.name.startswith("kappa_")) and value < 0:
                raise ConfigError(f"{f.name} must not be negative")
        if min(self.lender_weights) < 0 or sum(self.lender_weights) <= 0:
            raise ConfigError("lender_weights must be non-negative with a positive sum")
        if self.contagion_decay_days <= 0 or self.macro_start < 0 or self.macro_end < 0:
            raise ConfigError("contagion_decay_days must be positive, macro factors non-negative")

    @property
    def portfolio_name(self) -> str:
        return self.name or f"sample-{self.enterprises}-seed{self.seed}"
