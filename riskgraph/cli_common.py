"""What the command modules share: the ``--store``, ``--data-dir`` and ``--json`` options and
the settings they select."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from riskgraph.errors import RiskgraphError
from riskgraph.settings import Settings, load_settings

__all__ = ["AsJson", "DataDir", "StoreKind", "command_settings"]

STORES = ("embedded", "neo4j")

StoreKind = Annotated[str | None, typer.Option(
    "--store", help="embedded or neo4j [env: RISKGRAPH_STORE; default embedded]",
    show_default=False)]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]


DataDir = Annotated[Path | None, typer.Option(
    "--data-dir", help="Embedded store folder [env: RISKGRAPH_DATA_DIR]", show_default=False)]


def command_settings(data_dir: Path | None = None, store: str | None = None) -> Settings:
    """The settings from the environment, with a command's ``--data-dir`` and ``--store``."""
    if store is not None and store not in STORES:
        raise RiskgraphError(f"--store must be embedded or neo4j, not {store!r}")
    return load_settings(data_dir=data_dir, store=store)
