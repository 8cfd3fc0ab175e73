"""Identifiers and names: Unified Social Credit Codes, resident identity numbers, Chinese
person and enterprise names, and the day arithmetic the generator uses.

Dates inside the generator are ``int64`` day offsets from ``as_of`` (negative: before it), with
:data:`NODATE` for "no date"; :func:`to_dates` turns them into ``datetime64[D]`` for writing.
The check characters come from :mod:`ingest.ids` (one call per id); everything else is
vectorised.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from ingest.generator._vocab import BRAND_CHARS, FEMALE_GIVEN, MALE_GIVEN, SURNAME_WEIGHTS, SURNAMES
from ingest.ids import USCC_ALPHABET, resident_id_check_char, uscc_check_char

__all__ = [
    "NODATE",
    "brand_names",
    "day_of",
    "enterprise_ids",
    "person_names",
    "resident_ids",
    "surnames",
    "to_dates",
    "unique_ints",
]

NODATE = np.iinfo(np.int64).min  # "no date" in a day-offset array
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)  # GB 11714-1997
_ALPHABET_BYTES = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
_MA_CUTOFF_YEAR = 2016  # codes issued after the 2015 reform carry an "MA..." org code


def day_of(as_of: date, value: date) -> int:
    """Day offset of ``value`` from ``as_of``."""
    return (value - as_of).days


def to_dates(days: np.ndarray, as_of: date) -> np.ndarray:
    """Day offsets to ``datetime64[D]`` (``NaT`` where :data:`NODATE`)."""
    out = np.datetime64(as_of, "D") + np.where(days == NODATE, 0, days).astype("timedelta64[D]")
    out[days == NODATE] = np.datetime64("NaT")
    return out


def unique_ints(rng: np.random.Generator, high: int, n: int) -> np.ndarray:
    """``n`` distinct integers in ``[0, high)`` (drawn with replacement, repeats redrawn)."""
    if n > high // 2:
        raise ValueError(f"cannot draw {n} distinct values from {high} comfortably")
    out = rng.integers(0, high, n)
    while True:
        _, first = np.unique(out, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        if not dup.any():
            return out
        out[dup] = rng.integers(0, high, int(dup.sum()))


# --- ids ---------------------------------------------------------------------------------------

def _org_codes(rng: np.random.Generator, new_style: np.ndarray) -> np.ndarray:
    """(n, 9) uint8 organisation codes (GB 11714): 8 body characters and a check character.
    Old codes are 8 digits; new ones ``MA`` and 6 characters of the USCC alphabet."""
    n = len(new_style)
    body = np.empty((n, 8), dtype=np.uint8)
    body[:] = rng.integers(0, 10, (n, 8)) + ord("0")
    k = int(new_style.sum())
    if k:
        tail = _ALPHABET_BYTES[rng.integers(0, len(USCC_ALPHABET), (k, 6))]
        body[new_style] = np.column_stack([np.full(k, ord("M")), np.full(k, ord("A")), tail])
    value = np.where(body >= ord("A"), body.astype(np.int64) - 55, body.astype(np.int64) - 48)
    c9 = 11 - (value * _ORG_WEIGHTS).sum(axis=1) % 11
    check = np.where(c9 == 10, ord("X"), np.where(c9 == 11, ord("0"), c9 + ord("0")))
    return np.column_stack([body, check.astype(np.uint8)])


def enterprise_ids(rng: np.random.Generator, district_codes: np.ndarray,
                   established_year: np.ndarray) -> np.ndarray:
    """Distinct USCCs: ``91`` (a company registered with the market regulator), the county code
    of registration, the organisation code, and the GB 32100 check character."""
    n = len(district_codes)
    raw = "".join(district_codes.tolist()).encode()
    district = np.frombuffer(raw, dtype=np.uint8).reshape(n, 6)
    new_style = established_year >= _MA_CUTOFF_YEAR
    org = _org_codes(rng, new_style)
    while True:
        mat = np.column_stack([np.full((n, 1), ord("9")), np.full((n, 1), ord("1")), district, org])
        bodies = mat.astype(np.uint8).view("S17").ravel().astype(str)
        _, first = np.unique(bodies, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        org[dup] = _org_codes(rng, new_style[dup])
    return np.array([b + uscc_check_char(b) for b in bodies.tolist()], dtype=object)


def resident_ids(rng: np.random.Generator, area_codes: np.ndarray, birth: np.ndarray,
                 male: np.ndarray) -> np.ndarray:
    """Distinct resident identity numbers: area code, birth date ``YYYYMMDD``, a sequence whose
    last digit is odd for men and even for women, and the GB 11643 check character."""
    n = len(area_codes)
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    month = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    stem = area_codes.astype(np.int64) * 10**11 + (year * 10000 + month * 100 + day) * 10**3

    def seq(k: int, is_male: np.ndarray) -> np.ndarray:
        return rng.integers(0, 500, k) * 2 + is_male.astype(np.int64)

    number = stem + seq(n, male)
    while True:
        _, first = np.unique(number, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        number[dup] = stem[dup] + seq(int(dup.sum()), male[dup])
    bodies = number.astype(str)
    return np.array([b + resident_id_check_char(b) for b in bodies.tolist()], dtype=object)


# --- names -------------------------------------------------------------------------------------

_SURNAMES = np.array(list(SURNAMES))
_SURNAME_P = np.array(SURNAME_WEIGHTS) / sum(SURNAME_WEIGHTS)
_MALE = np.array(list(MALE_GIVEN))
_FEMALE = np.array(list(FEMALE_GIVEN))
_BRAND = np.array(list(BRAND_CHARS))


def surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    """Indices into the surname list, drawn by frequency."""
    return rng.choice(len(_SURNAMES), size=n, p=_SURNAME_P)


def person_names(rng: np.random.Generator, surname: np.ndarray, male: np.ndarray) -> np.ndarray:
    """Surname plus a one- or two-character given name that suits the sex (names repeat, as
    they do: there are many 王伟)."""
    n = len(surname)
    first = np.where(male, _MALE[rng.integers(0, len(_MALE), n)],
                     _FEMALE[rng.integers(0, len(_FEMALE), n)])
    second = np.where(male, _MALE[rng.integers(0, len(_MALE), n)],
                      _FEMALE[rng.integers(0, len(_FEMALE), n)])
    second = np.where((rng.random(n) < 0.3) | (second == first), "", second)
    return np.char.add(np.char.add(_SURNAMES[surname], first), second).astype(object)


def brand_names(rng: np.random.Generator, n: int, three: np.ndarray | None = None) -> np.ndarray:
    """Two (or, where ``three``, three) distinct brand characters such as 恒达 or 鑫隆盛."""
    k = len(_BRAND)
    a = rng.integers(0, k, n)
    b = (a + rng.integers(1, k, n)) % k
    c = (a + rng.integers(1, k, n)) % k
    c = np.where(c == b, (c + 1) % k, c)
    c = np.where(c == a, (c + 1) % k, c)
    out = np.char.add(_BRAND[a], _BRAND[b])
    if three is not None:
        out = np.where(three, np.char.add(out, _BRAND[c]), out)
    return out
