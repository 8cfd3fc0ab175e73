"""Check characters of the two national id schemes a portfolio uses.

* Unified Social Credit Code (GB 32100-2015), 18 characters over the 31-symbol alphabet
  ``0-9 A-H J-N P-R T U W-Y`` (no I, O, Z, S, V). With ``c_k`` the alphabet index of the k-th
  character and weights ``w_k = 3^(k-1) mod 31`` (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13,
  8, 24, 10, 30, 28), the check character is the symbol of index
  ``(31 - (Σ_{k=1..17} w_k c_k) mod 31) mod 31``.
* PRC resident identity number (GB 11643-1999, ISO 7064 MOD 11-2), 17 digits then a check
  character. With weights ``w_k = 2^(18-k) mod 11`` (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5,
  8, 4, 2) and ``r = (Σ w_k d_k) mod 11``, the check character is ``"10X98765432"[r]``.

Both are given as scalar functions and as vectorised ones over a pandas Series (validation of a
million ids must not be a Python loop per row).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingest.arrow import arrow_text

__all__ = [
    "USCC_ALPHABET",
    "resident_id_check_char",
    "uscc_check_char",
    "valid_resident_ids",
    "valid_usccs",
    "is_valid_resident_id",
    "is_valid_uscc",
]

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([pow(3, k, 31) for k in range(17)], dtype=np.int64)
_RID_WEIGHTS = np.array([pow(2, 17 - k, 11) for k in range(17)], dtype=np.int64)
_RID_CHECK = "10X98765432"

# byte -> alphabet index (or -1 for a byte outside the alphabet)
_USCC_INDEX = np.full(256, -1, dtype=np.int64)
for _i, _ch in enumerate(USCC_ALPHABET):
    _USCC_INDEX[ord(_ch)] = _i
_DIGIT_INDEX = np.full(256, -1, dtype=np.int64)
for _i in range(10):
    _DIGIT_INDEX[ord("0") + _i] = _i


def uscc_check_char(first17: str) -> str:
    """The check character that completes 17 USCC characters."""
    if len(first17) != 17 or any(c not in USCC_ALPHABET for c in first17):
        raise ValueError("a USCC body is 17 characters of 0-9 and A-Y without I, O, S, V, Z")
    total = sum(USCC_ALPHABET.index(c) * int(w) for c, w in zip(first17, _USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def resident_id_check_char(first17: str) -> str:
    """The check character that completes 17 digits of a resident identity number."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("a resident id body is 17 digits")
    total = sum(int(c) * int(w) for c, w in zip(first17, _RID_WEIGHTS))
    return _RID_CHECK[total % 11]


def is_valid_uscc(code: str) -> bool:
    return bool(valid_usccs(pd.Series([code]))[0])


def is_valid_resident_id(ident: str) -> bool:
    return bool(valid_resident_ids(pd.Series([ident]))[0])


def _as_byte_matrix(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """An (n, 18) uint8 matrix of the values that are 18 ASCII characters, and that mask.

    The matrix is a view of the Arrow text buffer of those values (18 bytes each, contiguous),
    not a copy made value by value. A value of 18 characters that are not all ASCII is no id."""
    text = arrow_text(values).combine_chunks()
    ok = pc.and_(pc.equal(pc.utf8_length(text), 18), pc.string_is_ascii(text))
    mask = np.asarray(ok.fill_null(False), dtype=bool)
    chosen = text.filter(pa.array(mask))
    if len(chosen) == 0:
        return np.zeros((0, 18), dtype=np.uint8), mask
    offsets = np.frombuffer(chosen.buffers()[1], dtype=np.int64)[chosen.offset :]
    data = np.frombuffer(chosen.buffers()[2], dtype=np.uint8)
    start = int(offsets[0])
    return data[start : start + 18 * len(chosen)].reshape(-1, 18), mask


def valid_usccs(values: pd.Series) -> np.ndarray:
    """Boolean array: which values are well-formed USCCs with a correct check character."""
    mat, mask = _as_byte_matrix(values)
    out = np.zeros(len(values), dtype=bool)
    if mat.shape[0] == 0:
        return out
    idx = _USCC_INDEX[mat]
    well_formed = (idx >= 0).all(axis=1)
    total = (idx[:, :17] * _USCC_WEIGHTS).sum(axis=1)
    expected = (31 - total % 31) % 31
    out[np.flatnonzero(mask)] = well_formed & (expected == idx[:, 17])
    return out


def valid_resident_ids(values: pd.Series) -> np.ndarray:
    """Boolean array: which values are 17 digits plus a correct check character (X upper case)."""
    mat, mask = _as_byte_matrix(values)
    out = np.zeros(len(values), dtype=bool)
    if mat.shape[0] == 0:
        return out
    digits = _DIGIT_INDEX[mat[:, :17]]
    well_formed = (digits >= 0).all(axis=1)
    r = (digits * _RID_WEIGHTS).sum(axis=1) % 11
    check = np.frombuffer(_RID_CHECK.encode(), dtype=np.uint8)[r]
    out[np.flatnonzero(mask)] = well_formed & (check == mat[:, 17])
    return out
