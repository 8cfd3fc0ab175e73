"""``riskgraph serve`` and ``riskgraph apikey create|list|revoke``: the API and its keys.

Thin: ``serve`` builds the settings and calls :func:`api.serve.run`; ``apikey`` calls
:mod:`api.keys`. A key is printed once, at creation, and stored only as its SHA-256.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from riskgraph.cli_common import StoreKind, command_settings
from riskgraph.settings import Settings

__all__ = ["register"]

out = Console()
err = Console(stderr=True)

DataDir = Annotated[Path | None, typer.Option(
    "--data-dir", help="Embedded store folder, key file and audit log [env: "
    "RISKGRAPH_DATA_DIR]", show_default=False)]
KeysFile = Annotated[Path | None, typer.Option(
    "--keys-file", help="API key file (default DATA_DIR/api-keys.json).", show_default=False)]

apikey_app = typer.Typer(no_args_is_help=True, help="Create, list and revoke API keys.")


_settings = command_settings


def _keys_file(settings: Settings, given: Path | None) -> Path:
    from api.config import ApiConfig

    return given or ApiConfig.from_settings(settings).keys_file


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (each holds the graph and "
                                         "scores in memory).")] = 1,
    store: StoreKind = None,
    data_dir: DataDir = None,
    keys_file: KeysFile = None,
    audit_file: Annotated[Path | None, typer.Option(
        "--audit-file", help="Audit log (default DATA_DIR/audit/audit.jsonl).",
        show_default=False)] = None,
    rules: Annotated[Path | None, typer.Option(
        "--rules", help="Linked-party rules TOML read on top of the defaults.",
        show_default=False)] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Serve the snapshot as of YYYY-MM-DD (default: the latest).",
        show_default=False)] = None,
    access_log: Annotated[bool, typer.Option(help="Log every request as JSON (costs some "
                                             "throughput).")] = False,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Serve the JSON API (OpenAPI docs at /docs, /health, /ready, /metrics)."""
    from api.config import ApiConfig
    from api.serve import run

    settings = _settings(data_dir, store)
    config = ApiConfig.from_settings(settings, keys_file=keys_file, audit_file=audit_file,
                                     rules_file=rules, as_of=as_of, access_log=access_log)
    err.print(f"riskgraph API on http://{host}:{port} ({settings.store} store; docs at "
              f"/docs; keys in {config.keys_file})", highlight=False)
    run(settings, host, port, config=config, workers=workers, log_level=log_level)


@apikey_app.command("create")
def apikey_create(
    role: Annotated[str, typer.Option(help="service, committee, investigator or admin.")],
    name: Annotated[str, typer.Option(help="Who or what uses the key (unique among active "
                                      "keys).")],
    data_dir: DataDir = None,
    keys_file: KeysFile = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Create a key and print it once (only its SHA-256 is kept)."""
    from api.keys import create_key

    settings = _settings(data_dir)
    secret, entry = create_key(_keys_file(settings, keys_file), name, role)
    if as_json:
        print(json.dumps({"key": secret, "id": entry.id, "name": entry.name,
                          "role": entry.role, "created": entry.created}))
        return
    print(secret)
    err.print(f"created key {entry.id} for {entry.name!r} with role {entry.role}; it is shown "
              "only now: store it safely", highlight=False)


@apikey_app.command("list")
def apikey_list(data_dir: DataDir = None, keys_file: KeysFile = None,
                as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every key: id, name, role, created, revoked (never the key)."""
    from api.keys import list_keys

    settings = _settings(data_dir)
    keys = list_keys(_keys_file(settings, keys_file))
    if as_json:
        print(json.dumps([{k: v for k, v in key.__dict__.items() if k != "sha256"}
                          for key in keys], indent=1))
        return
    table = Table(title=f"API keys in {_keys_file(settings, keys_file)}")
    for col in ("id", "name", "role", "prefix", "created", "revoked"):
        table.add_column(col)
    for k in keys:
        table.add_row(k.id, k.name, k.role, k.prefix + "…", k.created, k.revoked or "")
    out.print(table)


@apikey_app.command("revoke")
def apikey_revoke(
    name: Annotated[str, typer.Argument(help="The key's name or id.")],
    data_dir: DataDir = None, keys_file: KeysFile = None,
) -> None:
    """Revoke a key; a running server stops accepting it within about a second."""
    from api.keys import revoke_key

    settings = _settings(data_dir)
    entry = revoke_key(_keys_file(settings, keys_file), name)
    out.print(f"revoked key {entry.id} ({entry.name}, {entry.role})", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
    app.add_typer(apikey_app, name="apikey")
