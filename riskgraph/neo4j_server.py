"""A local Neo4j Community 5.26 LTS server, assembled from Maven Central, started from the repo.

No Docker and no download from neo4j.com: ``tools/neo4j/pom.xml`` names the server (and the
Browser UI); :func:`assemble` has Maven copy their runtime jars into one *lib* folder that every
server home shares (``~/.cache/riskgraph/neo4j-5.26-lib``; the downloads are cached in
``~/.m2``), writes ``conf/neo4j.conf`` in the home and sets the initial password once.
:func:`start` then runs the server JVM directly (main class
``org.neo4j.server.CommunityEntryPoint``), so there is one process to manage, in its own process
session, and waits until the Python driver can log in. :func:`stop` sends SIGTERM (SIGKILL as a
last resort) and :func:`status` tells whether it runs and answers.

A home folder holds ``conf data logs plugins import run`` (and ``lib``, a link to the shared
lib folder). Two homes with different ports can run side by side, e.g. a dev server on
7687/7474 and a test server on 17687/17474::

    python -m riskgraph.neo4j_server start
    python -m riskgraph.neo4j_server start --home ~/.cache/riskgraph/neo4j-test \\
        --bolt-port 17687 --http-port 17474
    python -m riskgraph.neo4j_server status|stop [--home DIR]

Both connectors listen on 127.0.0.1 only (no HTTPS); auth is on, with ``neo4j`` /
``riskgraph-dev`` unless configured otherwise. Environment: ``RISKGRAPH_NEO4J_HOME`` (default
home), ``RISKGRAPH_NEO4J_LIB`` (shared jars), ``JAVA_HOME`` (which Java; else ``java`` on PATH).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from riskgraph.errors import Neo4jServerError

__all__ = [
    "Neo4jServerConfig",
    "ServerStatus",
    "assemble",
    "main",
    "start",
    "status",
    "stop",
]

POM = Path(__file__).resolve().parents[1] / "tools" / "neo4j" / "pom.xml"
MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"
ADMIN_CLASS = "org.neo4j.server.startup.Neo4jAdminCommand"
MIN_JAVA = 17

#: The ``--add-opens`` flags Neo4j needs on Java 17+ and the other flags of the official
#: ``neo4j.conf`` template (``server.jvm.additional``), which the ``bin/neo4j`` launcher would
#: pass. ``-XX:+AlwaysPreTouch`` is left out on purpose: it would make the whole heap resident at
#: once, and this machine is shared with Python.
ADD_OPENS: tuple[str, ...] = (
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
)
JVM_FLAGS: tuple[str, ...] = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-XX:-RestrictContended",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-XX:FlightRecorderOptions=stackdepth=256",
    "-XX:+UnlockDiagnosticVMOptions",
    "-XX:+DebugNonSafepoints",
    *ADD_OPENS,
    "-Dlog4j2.disable.jmx=true",
    "-XX:MaxMetaspaceSize=1024m",
    "-XX:ReservedCodeCacheSize=512m",
    "-XX:-DontCompileHugeMethods",
    "-Dfile.encoding=UTF-8",
)

_MARKER = ".riskgraph-assembled"  # in the lib folder: the sha256 of the pom it was built from
_PID_FILE = "neo4j.pid"  # in HOME/run, the name the bin/neo4j launcher uses too
_CONSOLE_LOG = "console.log"  # in HOME/logs: the JVM's stdout/stderr (neo4j.log is the server's)
_SIZE = re.compile(r"^[1-9][0-9]*[kKmMgG]?$")
_SUBDIRS = ("conf", "data", "logs", "plugins", "import", "run")

# Servers started by this Python process, kept so that stop() can reap them (no zombie, and no
# "subprocess still running" ResourceWarning) when the caller stays alive, as tests do.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def _cache_dir() -> Path:
    return Path.home() / ".cache" / "riskgraph"


def _default_home() -> Path:
    env = os.environ.get("RISKGRAPH_NEO4J_HOME")
    return Path(env) if env else _cache_dir() / "neo4j-5.26"


def _default_lib() -> Path:
    env = os.environ.get("RISKGRAPH_NEO4J_LIB")
    return Path(env) if env else _cache_dir() / "neo4j-5.26-lib"


@dataclass(frozen=True)
class Neo4jServerConfig:
    """Where a local server lives and how it listens; every field has a working default.

    ``home`` holds this server's configuration, data, logs and pid file; ``lib`` holds the jars
    and may be shared by any number of homes (it is assembled once). Paths are made absolute.
    """

    home: Path = field(default_factory=_default_home)
    bolt_port: int = 7687
    http_port: int = 7474
    heap: str = "1g"
    pagecache: str = "512m"
    user: str = "neo4j"
    password: str = "riskgraph-dev"
    lib: Path = field(default_factory=_default_lib)

    def __post_init__(self) -> None:
        object.__setattr__(self, "home", Path(self.home).expanduser().absolute())
        object.__setattr__(self, "lib", Path(self.lib).expanduser().absolute())
        for name in ("bolt_port", "http_port"):
            port = getattr(self, name)
            if not 1 <= port <= 65535:
                raise Neo4jServerError(f"{name} must be between 1 and 65535, not {port}")
        if self.bolt_port == self.http_port:
            raise Neo4jServerError(f"bolt and http ports must differ (both {self.bolt_port})")
        for name in ("heap", "pagecache"):
            if not _SIZE.match(getattr(self, name)):
                raise Neo4jServerError(
                    f"{name} must be a size such as 512m or 2g, not {getattr(self, name)!r}")
        if len(self.password) < 8:
            raise Neo4jServerError("the Neo4j password must have at least 8 characters")

    @property
    def uri(self) -> str:
        """The Bolt address of this server."""
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def browser_url(self) -> str:
        """Where Neo4j Browser is served."""
        return f"http://127.0.0.1:{self.http_port}/browser"

    @property
    def pid_file(self) -> Path:
        """The file holding the server JVM's pid while it runs."""
        return self.home / "run" / _PID_FILE

    @property
    def log_dir(self) -> Path:
        """The server's log folder (``neo4j.log``, ``debug.log``, ``console.log``)."""
        return self.home / "logs"


@dataclass(frozen=True)
class ServerStatus:
    """What :func:`status` found: a live JVM for this home, and whether it lets us log in."""

    running: bool
    pid: int | None
    uri: str
    home: Path
    answering: bool


# --------------------------------------------------------------------------- assembly


def _say(message: str, quiet: bool = False) -> None:
    if not quiet:
        print(f"neo4j: {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (created if missing) for the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pom_digest() -> str:
    if not POM.is_file():
        raise Neo4jServerError(
            f"{POM} not found: run riskgraph from its source checkout (the pom names the jars)")
    return hashlib.sha256(POM.read_bytes()).hexdigest()


def neo4j_version() -> str:
    """The Neo4j version named in ``tools/neo4j/pom.xml``."""
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    try:
        found = ET.parse(POM).getroot().find("m:properties/m:neo4j.version", ns)
    except (OSError, ET.ParseError) as exc:
        raise Neo4jServerError(f"cannot read {POM}: {exc}") from exc
    return found.text.strip() if found is not None and found.text else "5.26"


def _lib_ready(lib: Path, digest: str) -> bool:
    marker = lib / _MARKER
    try:
        return marker.read_text().strip() == digest and any(lib.glob("neo4j-server-*.jar"))
    except OSError:
        return False


def _find_mvn() -> str:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise Neo4jServerError(
            "Maven not found: install it (apt-get install maven); it fetches Neo4j's jars "
            "from Maven Central once")
    return mvn


def _assemble_lib(lib: Path, digest: str, quiet: bool) -> None:
    """Have Maven copy the runtime jars into a fresh folder, then swap it in as ``lib``."""
    mvn = _find_mvn()
    version = neo4j_version()
    work = lib.with_name(f".{lib.name}.tmp-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log_path = lib.with_name(f"{lib.name}.mvn.log")
    cmd = [mvn, "-B", "-f", str(POM), "dependency:copy-dependencies",
           "-DincludeScope=runtime", f"-DoutputDirectory={work}"]
    _say(f"assembling Neo4j Community {version} from Maven Central into {lib} "
         "(first time only: about 140 MB of jars, cached in ~/.m2; may take minutes)", quiet)
    started = time.monotonic()
    downloaded = 0
    last_report = started
    try:
        with open(log_path, "w") as log, subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                text=True, cwd=POM.parent) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                log.write(line)
                if "Downloaded from" in line:
                    downloaded += 1
                now = time.monotonic()
                if now - last_report >= 10:
                    last_report = now
                    _say(f"  ... {downloaded} files downloaded so far ({now - started:.0f} s)",
                         quiet)
            rc = proc.wait()
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise Neo4jServerError(f"cannot run Maven ({mvn}): {exc}") from exc
    if rc != 0:
        shutil.rmtree(work, ignore_errors=True)
        raise Neo4jServerError(
            f"Maven failed (exit {rc}) to fetch Neo4j's jars; is Maven Central reachable? "
            f"Full log: {log_path}\n{_tail(log_path, 25)}")
    jars = sorted(work.glob("*.jar"))
    if not any(j.name.startswith("neo4j-server-") for j in jars):
        shutil.rmtree(work, ignore_errors=True)
        raise Neo4jServerError(f"Maven ran but copied no neo4j-server jar; see {log_path}")
    (work / _MARKER).write_text(digest + "\n")
    old = lib.with_name(f".{lib.name}.old-{os.getpid()}")
    if lib.exists():
        lib.rename(old)
    work.rename(lib)
    shutil.rmtree(old, ignore_errors=True)
    _say(f"assembled {len(jars)} jars in {time.monotonic() - started:.0f} s "
         f"({downloaded} files downloaded)", quiet)


def _conf_text(cfg: Neo4jServerConfig) -> str:
    home = cfg.home
    jvm = "\n".join(f"server.jvm.additional={flag}" for flag in JVM_FLAGS)
    return f"""\
# Written by riskgraph.neo4j_server on every start: edit Neo4jServerConfig, not this file.
# The JVM is started directly (not through bin/neo4j), so heap and JVM flags are also passed on
# its command line; server.jvm.additional is kept for the admin launcher (neo4j-admin).

server.directories.lib={cfg.lib}
server.directories.data={home / "data"}
server.directories.logs={home / "logs"}
server.directories.plugins={home / "plugins"}
server.directories.import={home / "import"}
server.directories.run={home / "run"}

server.default_listen_address=127.0.0.1
server.default_advertised_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:{cfg.bolt_port}
server.bolt.advertised_address=127.0.0.1:{cfg.bolt_port}
server.http.enabled=true
server.http.listen_address=127.0.0.1:{cfg.http_port}
server.http.advertised_address=127.0.0.1:{cfg.http_port}
server.https.enabled=false

dbms.security.auth_enabled=true
dbms.usage_report.enabled=false

server.memory.heap.initial_size={cfg.heap}
server.memory.heap.max_size={cfg.heap}
server.memory.pagecache.size={cfg.pagecache}

# a development server: log slow queries only, keep at most 1 GB of transaction logs
db.logs.query.enabled=INFO
db.logs.query.threshold=1s
db.tx_log.rotation.retention_policy=1G size

# stop in about a second instead of ten (Bolt waits 5 s twice for idle connections by default)
internal.server.bolt.thread_pool_shutdown_wait_time=1s
internal.server.bolt.connection_shutdown_wait_time=1s

{jvm}
"""


def _write_if_changed(path: Path, text: str) -> None:
    try:
        if path.read_text() == text:
            return
    except OSError:
        pass
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def _prepare_home(cfg: Neo4jServerConfig) -> None:
    for sub in _SUBDIRS:
        (cfg.home / sub).mkdir(parents=True, exist_ok=True)
    link = cfg.home / "lib"  # for people looking: the jars this home runs with
    if link != cfg.lib:
        if link.is_symlink() and Path(os.readlink(link)) != cfg.lib:
            link.unlink()
        if not link.exists() and not link.is_symlink():
            link.symlink_to(cfg.lib, target_is_directory=True)
    _write_if_changed(cfg.home / "conf" / "neo4j.conf", _conf_text(cfg))


def _database_created(cfg: Neo4jServerConfig) -> bool:
    return (cfg.home / "data" / "databases" / "system").exists()


def _set_initial_password(cfg: Neo4jServerConfig, java: str, quiet: bool) -> None:
    """``neo4j-admin dbms set-initial-password`` through the admin launcher class, once."""
    if _database_created(cfg) or (cfg.home / "data" / "dbms" / "auth.ini").exists():
        return
    _say(f"setting the initial password of user {cfg.user!r} in {cfg.home}", quiet)
    cmd = [java, *ADD_OPENS, "-cp", _classpath(cfg), ADMIN_CLASS,
           "dbms", "set-initial-password", cfg.password]
    env = {**os.environ, "NEO4J_HOME": str(cfg.home), "NEO4J_CONF": str(cfg.home / "conf")}
    try:
        done = subprocess.run(cmd, env=env, cwd=cfg.home, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Neo4jServerError(f"neo4j-admin set-initial-password failed: {exc}") from exc
    if done.returncode != 0:
        out = (done.stdout + done.stderr).strip().splitlines()[-20:]
        raise Neo4jServerError(
            f"neo4j-admin set-initial-password failed (exit {done.returncode}):\n"
            + "\n".join(out))


def assemble(cfg: Neo4jServerConfig, *, quiet: bool = False) -> Path:
    """Make ``cfg.home`` ready to start; return it.

    The first time (or after ``tools/neo4j/pom.xml`` changed), Maven copies the runtime jars
    into the shared ``cfg.lib`` folder; other homes reuse them without downloading. Then the
    home's folders and ``conf/neo4j.conf`` are written, and before the first start the initial
    password is set. Idempotent, and well under a second when already assembled.
    """
    java = _find_java()
    digest = _pom_digest()
    if not _lib_ready(cfg.lib, digest):
        with _locked(cfg.lib.with_name(cfg.lib.name + ".lock")):
            if not _lib_ready(cfg.lib, digest):  # another process may have done it meanwhile
                _assemble_lib(cfg.lib, digest, quiet)
    _prepare_home(cfg)
    _set_initial_password(cfg, java, quiet)
    return cfg.home


# --------------------------------------------------------------------------- java


def _find_java() -> str:
    """The ``java`` to run: ``$JAVA_HOME/bin/java`` or the one on PATH, version 17 or later."""
    java_home = os.environ.get("JAVA_HOME")
    candidate = Path(java_home) / "bin" / "java" if java_home else None
    java = str(candidate) if candidate and candidate.is_file() else shutil.which("java")
    if java is None:
        raise Neo4jServerError(
            f"Java {MIN_JAVA} not found: install openjdk-17-jre-headless (or set JAVA_HOME)")
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Neo4jServerError(f"cannot run {java} -version: {exc}") from exc
    found = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if found is None:
        raise Neo4jServerError(f"cannot tell the version of {java}: {done.stderr.strip()}")
    major = int(found.group(1))
    if major == 1 and found.group(2):  # "1.8.0_x" is Java 8
        major = int(found.group(2))
    if major < MIN_JAVA:
        raise Neo4jServerError(
            f"Java {MIN_JAVA} not found ({java} is Java {major}): install "
            "openjdk-17-jre-headless and put it first on PATH, or set JAVA_HOME")
    return java


def _classpath(cfg: Neo4jServerConfig) -> str:
    # what bin/neo4j builds: conf/* then lib/*
    return f"{cfg.home / 'conf'}/*{os.pathsep}{cfg.lib}/*"


def _server_command(cfg: Neo4jServerConfig, java: str) -> list[str]:
    return [java, f"-Xms{cfg.heap}", f"-Xmx{cfg.heap}", *JVM_FLAGS,
            "-cp", _classpath(cfg), MAIN_CLASS,
            f"--home-dir={cfg.home}", f"--config-dir={cfg.home / 'conf'}"]


# --------------------------------------------------------------------------- processes


def _read_pid(cfg: Neo4jServerConfig) -> int | None:
    try:
        return int(cfg.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def _reap(pid: int) -> None:
    """Collect the exit status of a server this process started (no zombie left)."""
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:
        del _CHILDREN[pid]


def _alive(pid: int, cfg: Neo4jServerConfig) -> bool:
    """Whether ``pid`` is a live (not zombie) server JVM of this home."""
    _reap(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    proc = Path("/proc") / str(pid)
    if not proc.is_dir():  # no procfs: trust kill(0)
        return True
    try:
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        argv = (proc / "cmdline").read_bytes().split(b"\0")
    except (OSError, IndexError):
        return False
    if state in ("Z", "X"):
        return False
    return MAIN_CLASS.encode() in argv and f"--home-dir={cfg.home}".encode() in argv


def _running_pid(cfg: Neo4jServerConfig) -> int | None:
    pid = _read_pid(cfg)
    return pid if pid is not None and _alive(pid, cfg) else None


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def _probe(cfg: Neo4jServerConfig, timeout_s: float = 3.0) -> str | None:
    """``None`` when the driver can log in; else why not (``"auth: ..."`` for bad credentials)."""
    if not _port_open(cfg.bolt_port):
        return f"nothing listens on 127.0.0.1:{cfg.bolt_port}"
    try:
        from neo4j import GraphDatabase
        from neo4j.exceptions import AuthError, DriverError, Neo4jError
    except ImportError as exc:  # pragma: no cover - the driver is a project dependency
        raise Neo4jServerError("the neo4j Python driver is not installed: pip install neo4j") \
            from exc
    try:
        with GraphDatabase.driver(cfg.uri, auth=(cfg.user, cfg.password),
                                  connection_timeout=timeout_s,
                                  connection_acquisition_timeout=timeout_s) as driver:
            driver.verify_connectivity()
    except AuthError as exc:
        return f"auth: {exc.message or exc}"
    except (DriverError, Neo4jError, OSError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _tail(path: Path, lines: int = 30, since: int = 0) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(since)
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _log_sizes(cfg: Neo4jServerConfig) -> dict[str, int]:
    sizes = {}
    for name in ("neo4j.log", _CONSOLE_LOG):
        try:
            sizes[name] = (cfg.log_dir / name).stat().st_size
        except OSError:
            sizes[name] = 0
    return sizes


def _start_failure(cfg: Neo4jServerConfig, what: str, since: dict[str, int]) -> Neo4jServerError:
    parts = [what]
    for name in ("neo4j.log", _CONSOLE_LOG):
        tail = _tail(cfg.log_dir / name, 30, since.get(name, 0))
        if tail.strip():
            parts.append(f"--- last lines of {cfg.log_dir / name}:\n{tail}")
    parts.append(f"(more in {cfg.log_dir / 'debug.log'})")
    return Neo4jServerError("\n".join(parts))


def _auth_failure(cfg: Neo4jServerConfig, why: str) -> Neo4jServerError:
    return Neo4jServerError(
        f"Neo4j at {cfg.uri} refused {cfg.user!r} with the configured password ({why}); the "
        f"database in {cfg.home / 'data'} was created with another one: use that password, or "
        f"stop the server and delete {cfg.home / 'data'} to start afresh")


def status(cfg: Neo4jServerConfig) -> ServerStatus:
    """Whether this home's server JVM runs, and whether the driver can log in to it."""
    pid = _running_pid(cfg)
    answering = pid is not None and _probe(cfg) is None
    return ServerStatus(running=pid is not None, pid=pid, uri=cfg.uri, home=cfg.home,
                        answering=answering)


def _wait_ready(cfg: Neo4jServerConfig, pid: int, deadline: float,
                since: dict[str, int]) -> None:
    while True:
        child = _CHILDREN.get(pid)
        if child is not None and child.poll() is not None:
            _CHILDREN.pop(pid, None)
            with contextlib.suppress(OSError):
                cfg.pid_file.unlink()
            raise _start_failure(
                cfg, f"Neo4j exited with code {child.returncode} while starting", since)
        if child is None and not _alive(pid, cfg):
            raise _start_failure(cfg, "Neo4j exited while starting", since)
        why = _probe(cfg)
        if why is None:
            return
        if why.startswith("auth:"):
            raise _auth_failure(cfg, why)
        if time.monotonic() > deadline:
            stop(cfg)
            raise _start_failure(
                cfg, f"Neo4j did not answer on {cfg.uri} in time ({why}); stopped it", since)
        time.sleep(0.5)


def start(cfg: Neo4jServerConfig, *, timeout_s: float = 180) -> ServerStatus:
    """Start this home's server (assembling it first if needed) and wait until it answers.

    Returns at once when it is already running and answering. The JVM runs in its own process
    session, so it outlives the caller; its output goes to ``logs/console.log`` and the server
    writes ``logs/neo4j.log`` and ``logs/debug.log``.
    """
    deadline = time.monotonic() + timeout_s
    with _locked(cfg.home / "run" / "start.lock"):
        pid = _running_pid(cfg)
        if pid is not None:
            _wait_ready(cfg, pid, deadline, _log_sizes(cfg))
            return status(cfg)
        with contextlib.suppress(OSError):
            cfg.pid_file.unlink()
        for port in (cfg.bolt_port, cfg.http_port):
            if not _port_free(port):
                raise Neo4jServerError(
                    f"port {port} in use on 127.0.0.1 by another process: stop it, or choose "
                    "other ports (--bolt-port/--http-port)")
        assemble(cfg)
        java = _find_java()
        since = _log_sizes(cfg)
        console = cfg.log_dir / _CONSOLE_LOG
        try:
            with open(console, "ab") as out:
                out.write(f"\n=== riskgraph start {time.strftime('%Y-%m-%d %H:%M:%S')} ===\n"
                          .encode())
                out.flush()
                child = subprocess.Popen(
                    _server_command(cfg, java), cwd=cfg.home, stdin=subprocess.DEVNULL,
                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                    env={**os.environ, "NEO4J_HOME": str(cfg.home),
                         "NEO4J_CONF": str(cfg.home / "conf")})
        except OSError as exc:
            raise Neo4jServerError(f"cannot start the Neo4j JVM ({java}): {exc}") from exc
        _CHILDREN[child.pid] = child
        cfg.pid_file.write_text(f"{child.pid}\n")
        _wait_ready(cfg, child.pid, deadline, since)
        return status(cfg)


def _wait_gone(cfg: Neo4jServerConfig, pid: int, timeout_s: float) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:
        try:
            child.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return False
        _CHILDREN.pop(pid, None)
        return True
    deadline = time.monotonic() + timeout_s
    while _alive(pid, cfg):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def stop(cfg: Neo4jServerConfig, *, timeout_s: float = 60) -> None:
    """Stop this home's server: SIGTERM, wait up to ``timeout_s``, then SIGKILL.

    A clean stop checkpoints the databases (a few seconds); nothing happens when it is not
    running (a stale pid file is removed).
    """
    pid = _running_pid(cfg)
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        if not _wait_gone(cfg, pid, timeout_s):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            if not _wait_gone(cfg, pid, 30):
                raise Neo4jServerError(f"Neo4j (pid {pid}) did not stop, even after SIGKILL")
    with contextlib.suppress(OSError):
        cfg.pid_file.unlink()


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m riskgraph.neo4j_server start|stop|status|assemble [options]``; exit code.

    ``status`` exits 0 when the server answers and 3 when it does not; errors exit 1.
    """
    parser = argparse.ArgumentParser(
        prog="python -m riskgraph.neo4j_server",
        description="Run a local Neo4j Community 5.26 server assembled from Maven Central.")
    parser.add_argument("command", choices=("start", "stop", "status", "assemble"))
    parser.add_argument("--home", type=Path, help="server home folder "
                        "[env RISKGRAPH_NEO4J_HOME; default ~/.cache/riskgraph/neo4j-5.26]")
    parser.add_argument("--bolt-port", type=int, help="Bolt port (default 7687)")
    parser.add_argument("--http-port", type=int, help="HTTP port (default 7474)")
    parser.add_argument("--timeout", type=float, help="seconds to wait for start or stop")
    args = parser.parse_args(argv)
    try:
        changes = {k: v for k, v in (("home", args.home), ("bolt_port", args.bolt_port),
                                     ("http_port", args.http_port)) if v is not None}
        cfg = dataclasses.replace(Neo4jServerConfig(), **changes)
        if args.command == "assemble":
            print(f"assembled {assemble(cfg)}")
        elif args.command == "start":
            st = start(cfg, timeout_s=args.timeout or 180)
            print(f"Neo4j running (pid {st.pid}) at {st.uri}; browser: {cfg.browser_url}")
        elif args.command == "stop":
            stop(cfg, timeout_s=args.timeout or 60)
            print("Neo4j stopped")
        else:
            st = status(cfg)
            print(f"running={st.running} answering={st.answering} pid={st.pid} "
                  f"uri={st.uri} home={st.home}")
            return 0 if st.answering else 3
    except Neo4jServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
