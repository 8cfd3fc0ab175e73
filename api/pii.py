"""Who may see what of a person, and the redaction applied to every answer for the others.

The store never holds a resident id in clear: a person's id in the graph is its *person key*
(``P`` + 32 hex of an HMAC), and the Person node keeps the resident id masked (first 3 and last
4 characters, ``id_masked``). Roles in :data:`PII_ROLES` (``investigator``, ``admin``) see person
keys, birth dates and contact points (phones, addresses, e-mails). For every other role each
person key anywhere in an answer is replaced by the masked resident id
(:func:`redact`), and contact points and birth dates are left out, so such an answer cannot be
joined back to a person beyond the name and the masked id.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PII_ROLES", "redact", "sees_pii"]

PII_ROLES = frozenset({"investigator", "admin"})


def sees_pii(role: str) -> bool:
    return role in PII_ROLES


def redact(value: Any, masks: dict[str, str]) -> Any:
    """``value`` (JSON-ready) with every string that is a person key replaced by its masked
    resident id; dictionary keys too."""
    if isinstance(value, str):
        return masks.get(value, value)
    if isinstance(value, dict):
        return {masks.get(k, k): redact(v, masks) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v, masks) for v in value]
    return value
