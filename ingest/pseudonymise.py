"""Pseudonymisation of personal ids.

A resident identity number never leaves ingest in clear: it is replaced by the *person key*
``"P" + hex(HMAC-SHA256(secret, id))[:32]`` (128 bits), where ``secret`` is the operator's
``RISKGRAPH_PII_KEY``. The same id always gives the same key under the same secret, so loads
stay idempotent and a lookup by id hashes the id given. For display, :func:`mask_id` keeps the
first 3 and last 4 characters.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Pseudonymiser", "mask_id", "mask_ids"]


def mask_id(ident: str) -> str:
    """An 18-character id keeps its first 3 and last 4 characters: ``110***********1234``."""
    if len(ident) <= 7:
        return "*" * len(ident)
    return ident[:3] + "*" * (len(ident) - 7) + ident[-4:]


def mask_ids(ids: pd.Series) -> pd.Series:
    """:func:`mask_id` of each id (missing ids read as text, as ``str()`` gives them)."""
    text = ids.astype(str)
    if not len(text) or text.isna().any():
        return pd.Series([mask_id(str(v)) for v in text], index=ids.index, dtype=object)
    t = pa.chunked_array([pa.array(text.to_numpy(dtype=object), type=pa.large_string())])
    n = np.asarray(pc.utf8_length(t), dtype=np.int64)
    stars = pc.binary_repeat(pa.scalar("*", type=pa.large_string()), pa.array(np.maximum(n - 7, 0)))
    long = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(t, 0, 3),
        stars,
        pc.utf8_slice_codeunits(t, -4),
        pa.scalar("", type=pa.large_string()),
    )
    short = pc.binary_repeat(pa.scalar("*", type=pa.large_string()), pa.array(n))
    masked = pc.if_else(pa.array(n > 7), long, short)
    return pd.Series(masked.to_numpy(zero_copy_only=False), index=ids.index, dtype=object)


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
        codes, uniq = pd.factorize(ids)
        hashed = np.array(self._hash_all(uniq), dtype=object)
        return pd.Series(hashed[codes], index=ids.index, dtype=object)

    def _hash_all(self, ids: Iterable[str]) -> list[str]:
        """:meth:`key` of each id, in one tight loop.

        HMAC (RFC 2104) is ``H((K ^ opad) || H((K ^ ipad) || m))`` with ``K`` the secret padded
        to SHA-256's 64-byte block (hashed first when longer). The two keyed states are hashed
        once here and copied per id, instead of being recomputed for every id."""
        secret = self.secret
        if len(secret) > 64:
            secret = hashlib.sha256(secret).digest()
        padded = secret.ljust(64, b"\0")
        inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
        out = []
        for ident in ids:
            h = inner.copy()
            h.update(ident.strip().upper().encode("utf-8"))
            o = outer.copy()
            o.update(h.digest())
            out.append("P" + o.hexdigest()[:32])
        return out
