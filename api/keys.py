"""API keys: created once, shown once, stored only as their SHA-256.

The key file (``DATA_DIR/api-keys.json`` by default, mode 0600) holds one entry per key::

    {"format": 1, "keys": [{"id": "k_3f2a9c1e", "name": "loan-system", "role": "service",
      "sha256": "…64 hex…", "prefix": "rg_Ab3dE", "created": "2026-11-24T20:01:02Z",
      "revoked": null}]}

A key is ``rg_`` + 43 URL-safe characters (256 random bits), so a plain SHA-256 (no salt, no
stretching) is enough: nobody can guess one, and checking a request is one dict lookup of the
hash (:meth:`KeyRing.principal`). The server re-reads the file when it changes, so a revoked
key stops working within a heartbeat (about a second). Writes go to a temporary file that then
replaces the old one, so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from api.config import ROLES, ApiConfig
from riskgraph.errors import ConfigError, RiskgraphError
from riskgraph.settings import Settings

__all__ = ["ApiKey", "KeyRing", "Principal", "create_key", "ensure_demo_key", "hash_key",
           "list_keys", "revoke_key"]

_FORMAT = 1
DEMO_NAME = "demo"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's name and role (never the key)."""

    name: str
    role: str
    key_id: str


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    role: str
    sha256: str
    prefix: str
    created: str
    revoked: str | None = None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _read(path: Path) -> list[ApiKey]:
    if not path.exists():
        return []
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("format") != _FORMAT:
            raise ConfigError(f"{path}: key file format {doc.get('format')!r}, expected "
                              f"{_FORMAT}")
        return [ApiKey(**entry) for entry in doc["keys"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path} is not a readable API key file ({exc}); restore it or move "
                          "it away and create new keys with `riskgraph apikey create`") from exc


def _write(path: Path, keys: list[ApiKey]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"format": _FORMAT, "keys": [k.__dict__ for k in keys]}, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def create_key(path: Path, name: str, role: str) -> tuple[str, ApiKey]:
    """A new key for ``name`` with ``role``; returns the key (shown once) and its entry."""
    if role not in ROLES:
        raise RiskgraphError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    name = name.strip()
    if not name or len(name) > 100:
        raise RiskgraphError("a key needs a name of 1 to 100 characters (who or what uses it)")
    keys = _read(path)
    if any(k.name == name and k.revoked is None for k in keys):
        raise RiskgraphError(f"an active key named {name!r} exists; revoke it first or choose "
                             "another name")
    secret = "rg_" + secrets.token_urlsafe(32)
    entry = ApiKey(id="k_" + secrets.token_hex(4), name=name, role=role,
                   sha256=hash_key(secret), prefix=secret[:8],
                   created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    _write(path, [*keys, entry])
    return secret, entry


def list_keys(path: Path) -> list[ApiKey]:
    return _read(path)


def revoke_key(path: Path, name_or_id: str) -> ApiKey:
    """Revoke the active key with this name or id (the entry stays, for the audit trail)."""
    keys = _read(path)
    hits = [k for k in keys if k.revoked is None and name_or_id in (k.name, k.id)]
    if not hits:
        raise RiskgraphError(f"no active key named {name_or_id!r} (see `riskgraph apikey list`)")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = [ApiKey(**{**k.__dict__, "revoked": now}) if k in hits else k for k in keys]
    _write(path, out)
    return hits[0]


def ensure_demo_key(settings: Settings, role: str = "investigator") -> str:
    """The demo key: created once (name ``demo``) and kept in ``DATA_DIR/demo-api-key`` (0600)
    so that every ``riskgraph demo`` prints the same one. Refused in production."""
    if settings.env == "production":
        raise ConfigError("no demo key in production; create keys with `riskgraph apikey create`")
    keys_file = ApiConfig.from_settings(settings).keys_file
    stash = settings.data_dir / "demo-api-key"
    if stash.exists():
        secret = stash.read_text(encoding="utf-8").strip()
        if any(k.sha256 == hash_key(secret) and k.revoked is None for k in _read(keys_file)):
            return secret
    if any(k.name == DEMO_NAME and k.revoked is None for k in _read(keys_file)):
        revoke_key(keys_file, DEMO_NAME)  # its secret is lost: replace it
    secret, _ = create_key(keys_file, DEMO_NAME, role)
    stash.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(stash, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secret + "\n")
    return secret


class KeyRing:
    """The active keys by hash, re-read when the file changes (:meth:`refresh`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._by_hash: dict[str, Principal] = {}
        self._stamp: tuple[int, int] | None = None

    def refresh(self) -> bool:
        """Re-read the file if it changed; True if it did."""
        try:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp == self._stamp and (stamp is not None or not self._by_hash):
            return False
        keys = _read(self.path) if stamp is not None else []
        self._by_hash = {k.sha256: Principal(k.name, k.role, k.id)
                         for k in keys if k.revoked is None}
        self._stamp = stamp
        return True

    def principal(self, key: str) -> Principal | None:
        return self._by_hash.get(hash_key(key))

    def __len__(self) -> int:
        return len(self._by_hash)
