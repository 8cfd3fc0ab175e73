"""Pseudonymisation of personal ids.

A resident identity number never leaves ingest in clear: it is replaced by the *person key*
``"P" + hex(HMAC-SHA256(secret, id))[:32]`` (128 bits), where ``secret`` is the operator's
``RISKGRAPH_PII_KEY``. The same id always gives the same key under the same secret, so loads
stay idempotent and a lookup by id hashes the id given. For display, :func:`mask_id` keeps the
first 3 and last 4 characters.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Pseudonymiser", "mask_id", "mask_ids"]


def mask_id(ident: str) -> str:
    """An 18-character id keeps its first 3 and last 4 characters: ``110***********1234``."""
    if len(ident) <= 7:
        return "*" * len(ident)
    return ident[:3] + "*" * (len(ident) - 7) + ident[-4:]


def mask_ids(ids: pd.Series) -> pd.Series:
    return pd.Series([mask_id(v) for v in ids.astype(str)], index=ids.index, dtype=object)


@dataclass(frozen=True)
class Pseudonymiser:
    """Keyed hashing of personal ids (the secret never appears in ``repr``)."""

    secret: bytes

    def __repr__(self) -> str:
        return "Pseudonymiser(secret=***)"

    def key(self, ident: str) -> str:
        digest = hmac.digest(self.secret, ident.strip().upper().encode("utf-8"), "sha256")
        return "P" + digest.hex()[:32]

    def keys(self, ids: pd.Series) -> pd.Series:
        """Vectorised over the distinct ids (HMAC itself is per value, but each id once)."""
        text = ids.astype(object)
        codes, uniq = pd.factorize(text)
        hashed = np.array([self.key(u) for u in uniq], dtype=object)
        return pd.Series(hashed[codes], index=ids.index, dtype=object)
