# ruff: noqa: S603, S607 - this module starts the layout's own fixed commands, no outside input
"""The production layout on one machine, on loopback, for the integration test, `make load`
and `make faults` (issue 16; docs/deployment.md describes the same layout on servers).

    client ─TLS─ nginx (round-robin) ─┬─ gunicorn node 1 ─┬─ pgbouncer (transaction) ─ PostgreSQL
                                      └─ gunicorn node 2 ─┤                               │ WAL
                                                          └──── streaming replica ◀───────┘
    Celery worker(s) and beat on Redis; sessions and cache in Redis.

Every process is started here, on ports chosen free at run time, with its files under one
work directory, and stopped by `Stack.stop()` (by process id; the replica with `pg_ctl stop`).
A replica left behind by a killed run is stopped and removed at the next start (its data
directory has a fixed name per database), so the start is idempotent.

The parts come from Debian: nginx, pgbouncer 1.18, PostgreSQL 15's pg_basebackup/pg_ctl; the
primary must accept replication connections from 127.0.0.1 (`.ci/run` adds the pg_hba line).
Written here rather than with docker compose or testcontainers: the layout documented for a
bureau is Debian packages under systemd, and this runs the same binaries without a daemon.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
VENV_BIN = Path(sys.executable).parent


class StackError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 60, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise StackError(f"process {proc.args!r} exited with {proc.returncode}")
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise StackError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def _as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL's tools and pgbouncer refuse to run as root."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def missing_tools() -> list[str]:
    needed = ["nginx", "pgbouncer"]
    out = [t for t in needed if shutil.which(t) is None and not Path("/usr/sbin", t).exists()]
    out += [t for t in ("pg_basebackup", "pg_ctl") if not (PG_BIN / t).exists()]
    return out


@dataclass
class Stack:
    """One layout. `db` is the primary's database name (PostgreSQL at primary_port)."""

    db: str
    redis_url: str
    env: dict[str, str]  # extra environment for the app processes (keys, settings)
    primary_port: int = 5432
    workdir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()))
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    replica_dir: Path | None = None

    def __post_init__(self) -> None:
        self.workdir = Path(self.workdir) / f"zoufang-stack-{self.db}"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workdir.chmod(0o777)  # pgbouncer and PostgreSQL run as postgres and log here

    # ---- the database side
    def start_replica(self) -> int:
        """A hot standby of the whole primary cluster from pg_basebackup, streaming from it."""
        data = self.workdir / "replica"
        self._stop_stale_replica(data)
        port = free_port()
        subprocess.run(
            _as_postgres(
                [
                    str(PG_BIN / "pg_basebackup"),
                    *("-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres"),
                    *("-D", str(data), "-X", "stream", "-R", "-c", "fast"),
                ]
            ),
            check=True,
            capture_output=True,
            timeout=300,
        )
        limits = self._primary_limits()
        conf = [
            f"port = {port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.workdir}'",
            "hot_standby = on",
            "hot_standby_feedback = on",
            "shared_buffers = 32MB",
            "fsync = off",
            *(f"{k} = {v}" for k, v in limits.items()),
        ]
        (data / "postgresql.conf").write_text("\n".join(conf) + "\n")
        (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        for name in ("postgresql.conf", "pg_hba.conf"):
            shutil.chown(data / name, "postgres", "postgres") if os.geteuid() == 0 else None
        self.replica_dir = data
        started = subprocess.run(
            _as_postgres(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(self.workdir / "replica.log"),
                    "-W",
                    "start",
                ]
            ),
            capture_output=True,
            text=True,
            timeout=60,
        )
        if started.returncode != 0:
            raise StackError(f"the replica did not start: {started.stdout} {started.stderr}")
        wait = int(os.environ.get("STACK_REPLICA_WAIT", "300"))
        deadline = time.monotonic() + wait
        while True:  # pg_ctl's own wait (-w) gives up early on a busy machine
            try:
                if self.psql(port, "SELECT pg_is_in_recovery()") == "t":
                    break
            except subprocess.CalledProcessError:
                pass
            if time.monotonic() > deadline:
                raise StackError(f"the replica did not accept connections within {wait} s")
            time.sleep(0.5)
        self.ports["replica"] = port
        return port

    def _primary_limits(self) -> dict[str, str]:
        """A standby needs at least the primary's values of these."""
        names = [
            "max_connections",
            "max_worker_processes",
            "max_wal_senders",
            "max_prepared_transactions",
            "max_locks_per_transaction",
        ]
        out = self.psql(
            self.primary_port,
            "SELECT string_agg(name || '=' || setting, ',') FROM pg_settings WHERE name = ANY(%s)"
            % ("ARRAY[" + ",".join(f"'{n}'" for n in names) + "]"),
        )
        return dict(pair.split("=") for pair in out.split(","))

    def _stop_stale_replica(self, data: Path) -> None:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(data, ignore_errors=True)

    def stop_replica(self) -> None:
        if self.replica_dir is not None:
            self._stop_stale_replica(self.replica_dir)
            self.replica_dir = None

    def psql(self, port: int, sql: str, db: str = "postgres") -> str:
        out = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", db, "-Atc", sql],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return out.stdout.strip()

    def replica_catch_up(self, timeout: float = 60) -> None:
        """Wait until the replica has replayed everything the primary wrote so far."""
        target = self.psql(self.primary_port, "SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self.psql(
                self.ports["replica"], f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"
            )
            if done == "t":
                return
            time.sleep(0.2)
        raise StackError("the replica did not catch up")

    def start_pgbouncer(self, mode: str = "transaction") -> int:
        port = free_port()
        ini = self.workdir / "pgbouncer.ini"
        users = self.workdir / "userlist.txt"
        users.write_text('"postgres" ""\n')
        ini.write_text(
            "\n".join(
                [
                    "[databases]",
                    f"* = host=127.0.0.1 port={self.primary_port}",
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    f"listen_port = {port}",
                    "unix_socket_dir =",
                    "auth_type = trust",
                    f"auth_file = {users}",
                    f"pool_mode = {mode}",
                    "max_client_conn = 2000",
                    "default_pool_size = 20",
                    "server_lifetime = 300",
                    "ignore_startup_parameters = extra_float_digits",
                ]
            )
            + "\n"
        )
        self._spawn("pgbouncer", _as_postgres(["/usr/sbin/pgbouncer", str(ini)]))
        wait_port(port, proc=self.procs["pgbouncer"])
        self.ports["pgbouncer"] = port
        return port

    # ---- the app side
    def app_env(self) -> dict[str, str]:
        db_port = self.ports.get("pgbouncer", self.primary_port)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{db_port}/{self.db}",
            "DB_TRANSACTION_POOLING": "true" if "pgbouncer" in self.ports else "false",
            "REDIS_URL": self.redis_url,
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "BEHIND_PROXY": "true",
            "STATIC_COMPRESS": "false",
            "STATIC_ROOT": str(self.static_root()),
            "MEDIA_ROOT": str(self.workdir / "media"),
            "SECURE_HSTS_SECONDS": "0",
            "PYTHONUNBUFFERED": "1",
            **self.env,
        }
        env.pop("PYTEST_CURRENT_TEST", None)
        if "replica" in self.ports:
            env["DATABASE_REPLICA_URL"] = (
                f"postgres://postgres@127.0.0.1:{self.ports['replica']}/{self.db}"
            )
        # nginx's port is chosen before the nodes start: their CSRF check trusts that origin.
        env["CSRF_TRUSTED_ORIGINS"] = f"https://127.0.0.1:{self.nginx_port()}"
        return env

    def static_root(self) -> Path:
        """Collected once per content of static/ (and reused across runs)."""
        digest = hashlib.sha256()
        for path in sorted((ROOT / "static").rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(str(path.stat().st_size).encode())
                digest.update(str(int(path.stat().st_mtime)).encode())
        return Path(tempfile.gettempdir()) / f"zoufang-static-{digest.hexdigest()[:16]}"

    def collectstatic(self) -> None:
        target = self.static_root()
        if (target / "staticfiles.json").exists():
            return
        env = {**self.app_env(), "STATIC_ROOT": str(target) + ".part"}
        shutil.rmtree(str(target) + ".part", ignore_errors=True)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=600,
        )
        os.replace(str(target) + ".part", target)

    def start_node(self, name: str, *, workers: int = 1, threads: int = 4) -> int:
        port = free_port()
        cmd = [
            str(VENV_BIN / "gunicorn"),
            *("-c", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}"),
            *("--workers", str(workers), "--threads", str(threads), "--timeout", "60"),
            "config.wsgi",
        ]
        self._spawn(name, cmd, env=self.app_env())
        wait_port(port, timeout=90, proc=self.procs[name])
        self.ports[name] = port
        return port

    def start_worker(self, name: str = "worker", concurrency: int = 2) -> subprocess.Popen:
        cmd = [
            str(VENV_BIN / "celery"),
            *("-A", "config", "worker", "--loglevel", "INFO", "--concurrency", str(concurrency)),
            *("-n", f"{name}@%h", "--without-mingle", "--without-gossip"),
        ]
        return self._spawn(name, cmd, env=self.app_env())

    def start_beat(self) -> subprocess.Popen:
        cmd = [
            str(VENV_BIN / "celery"),
            *("-A", "config", "beat", "--loglevel", "INFO"),
            *("-s", str(self.workdir / "beat-schedule"), "--pidfile="),
        ]
        return self._spawn("beat", cmd, env=self.app_env())

    def start_nginx(self, nodes: list[str]) -> int:
        """Debian's nginx with the shipped site file (deploy/nginx/zoufang.conf), its upstream
        pointed at the nodes, its ports and certificate made local."""
        port = self.nginx_port()
        plain = free_port()
        cert, key = self._certificate()
        site = (ROOT / "deploy/nginx/zoufang.conf").read_text()
        upstream = "".join(f"    server 127.0.0.1:{self.ports[n]};\n" for n in nodes)
        start = site.index("upstream zoufang_web {")
        end = site.index("}", start)
        site = (
            site[:start]
            + "upstream zoufang_web {\n"
            + upstream
            + "    keepalive 32;\n"
            + site[end:]
        )
        site = site.replace("listen 80;", f"listen 127.0.0.1:{plain};")
        site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl;")
        # Both server blocks (the staff site and the public page's) take the local certificate.
        for name in ("zoufang", "zoufang-public"):
            site = site.replace(f"/etc/ssl/{name}/fullchain.pem", str(cert))
            site = site.replace(f"/etc/ssl/{name}/privkey.pem", str(key))
        site = site.replace("/srv/zoufang/staticfiles/", f"{self.static_root()}/")
        (self.workdir / "site.conf").write_text(site)
        tmp = self.workdir / "nginx-tmp"
        tmp.mkdir(exist_ok=True)
        main = f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {self.workdir}/nginx.pid;
error_log {self.workdir}/nginx-error.log warn;
events {{ worker_connections 2048; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    access_log off;
    include {self.workdir}/site.conf;
}}
"""
        conf = self.workdir / "nginx.conf"
        conf.write_text(main)
        cmd = ["/usr/sbin/nginx", "-c", str(conf), "-e", str(self.workdir / "nginx-error.log")]
        self._spawn("nginx", [*cmd, "-g", "daemon off;"])
        wait_port(port, proc=self.procs["nginx"])
        return port

    def nginx_port(self) -> int:
        return self.ports.setdefault("nginx", free_port())

    def _certificate(self) -> tuple[Path, Path]:
        """A self-signed certificate for 127.0.0.1 (cryptography is already a dependency)."""
        import datetime as dt
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        cert_path, key_path = self.workdir / "cert.pem", self.workdir / "key.pem"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_path.chmod(0o600)
        return cert_path, key_path

    # ---- processes
    def _spawn(
        self, name: str, cmd: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.procs[name] = proc
        return proc

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal one process (and its children: it leads its own session) by its id."""
        proc = self.procs.get(name)
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM to every process at once, SIGKILL to what is still there 15 s later."""
        running = [p for p in reversed(list(self.procs.values())) if p.poll() is None]
        for proc in running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.procs.clear()
        self.stop_replica()
