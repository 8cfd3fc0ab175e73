"""The one settings object, read from the environment at the edge (CLI entry, API lifespan).

=====================  ======================================  ========================
variable               meaning                                 default
=====================  ======================================  ========================
``RISKGRAPH_ENV``      ``development`` or ``production``       development
``RISKGRAPH_DATA_DIR`` the embedded store's folder             ~/.local/share/riskgraph
``RISKGRAPH_STORE``    ``embedded`` or ``neo4j``               embedded
``RISKGRAPH_PII_KEY``  secret for pseudonymising personal ids  (see below)
``NEO4J_URI``          Bolt address of the Neo4j server        bolt://127.0.0.1:7687
``NEO4J_USER``         Neo4j user                              neo4j
``NEO4J_PASSWORD``     Neo4j password                          riskgraph-dev
=====================  ======================================  ========================

Without ``RISKGRAPH_PII_KEY``, development mode creates a random key once, stores it in
``DATA_DIR/pii.key`` (mode 0600) and says so; production refuses to start without a real key
(at least 16 characters, not a placeholder), and refuses the development Neo4j password.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from riskgraph.errors import ConfigError

__all__ = ["Settings", "load_settings"]

_PLACEHOLDERS = {"changeme", "change-me", "secret", "password", "riskgraph-dev", "test", ""}


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "riskgraph"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RISKGRAPH_", extra="ignore", frozen=True)

    env: Literal["development", "production"] = "development"
    data_dir: Path = Field(default_factory=_default_data_dir)
    store: Literal["embedded", "neo4j"] = "embedded"
    pii_key: SecretStr | None = None
    neo4j_uri: str = Field(
        "bolt://127.0.0.1:7687", validation_alias=AliasChoices("NEO4J_URI", "neo4j_uri")
    )
    neo4j_user: str = Field("neo4j", validation_alias=AliasChoices("NEO4J_USER", "neo4j_user"))
    neo4j_password: SecretStr = Field(
        SecretStr("riskgraph-dev"),
        validation_alias=AliasChoices("NEO4J_PASSWORD", "neo4j_password"),
    )

    def checked(self) -> Settings:
        if self.env == "production":
            key = self.pii_key.get_secret_value() if self.pii_key else ""
            if len(key) < 16 or key.lower() in _PLACEHOLDERS:
                raise ConfigError(
                    "RISKGRAPH_PII_KEY must be set to a real secret of at least 16 "
                    "characters in production"
                )
            if self.neo4j_password.get_secret_value() in _PLACEHOLDERS:
                raise ConfigError(
                    "NEO4J_PASSWORD is a placeholder; set a real password in production"
                )
        return self

    def pii_secret(self) -> bytes:
        """The pseudonymisation secret: the configured one, or the development key file."""
        if self.pii_key is not None and self.pii_key.get_secret_value():
            return self.pii_key.get_secret_value().encode("utf-8")
        if self.env == "production":
            raise ConfigError("RISKGRAPH_PII_KEY is not set; production needs it")
        path = self.data_dir / "pii.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
            print(
                f"development mode: created a pseudonymisation key at {path}; set "
                "RISKGRAPH_PII_KEY in production (person keys depend on it)",
                file=sys.stderr,
            )
        return path.read_text(encoding="utf-8").strip().encode("utf-8")


def load_settings(**overrides: object) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**values).checked()  # type: ignore[arg-type]
