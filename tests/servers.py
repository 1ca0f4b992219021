"""Throwaway PostgreSQL and MariaDB servers on loopback for the tests (root-safe, no Docker).

A fresh data directory in a temp folder, a
free port on 127.0.0.1, fsync off, stopped and removed at the end of the session.
The binaries come from the system packages ``scripts/setup.sh --test`` installs.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_user(cmd: list[str], user: str) -> list[str]:
    # postgres refuses to run as root; drop privileges only when we are root
    return ["runuser", "-u", user, "--", *cmd] if os.geteuid() == 0 else cmd


class ServerUnavailable(RuntimeError):
    pass


@dataclass
class PostgresServer:
    host: str
    port: int
    user: str
    password: str
    dbname: str
    superuser: str = "postgres"

    def url(self, driver: str = "psycopg", dbname: str | None = None) -> str:
        return f"postgresql+{driver}://{self.user}:{self.password}@{self.host}:{self.port}/{dbname or self.dbname}"

    def connect_kwargs(self, dbname: str | None = None) -> dict:
        return {"host": self.host, "port": self.port, "user": self.user, "password": self.password, "dbname": dbname or self.dbname}

    def create_database(self, name: str) -> str:
        """A fresh database owned by the test user; returns its name."""
        import psycopg

        with psycopg.connect(host=self.host, port=self.port, user=self.superuser, dbname="postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')
            c.execute(f'CREATE DATABASE "{name}" OWNER {self.user}')
        return name


def start_postgres():
    """Start a server; returns (PostgresServer, stop callable)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not candidates:
        raise ServerUnavailable("PostgreSQL is not installed: run `make test` (scripts/setup.sh --test installs it)")
    bindir = os.path.dirname(candidates[-1])
    tmp = tempfile.mkdtemp(prefix="stx-pgtest.")
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    port, data = free_port(), os.path.join(tmp, "data")
    subprocess.run(_as_user([f"{bindir}/initdb", "-N", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], "postgres"), check=True, capture_output=True)
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {tmp} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
    subprocess.run(_as_user([f"{bindir}/pg_ctl", "-D", data, "-l", f"{tmp}/server.log", "-w", "-t", "30", "start", "-o", opts], "postgres"), check=True, capture_output=True)
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True) as c:
        c.execute("CREATE ROLE stx LOGIN PASSWORD 'stxpw' CREATEDB")
        c.execute("CREATE DATABASE stx OWNER stx")

    def stop() -> None:
        subprocess.run(_as_user([f"{bindir}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"], "postgres"), capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)

    return PostgresServer("127.0.0.1", port, "stx", "stxpw", "stx"), stop


@dataclass
class MariaDBServer:
    host: str
    port: int
    user: str
    password: str
    database: str
    unix_socket: str

    def url(self, database: str | None = None) -> str:
        return f"mysql+mysqlconnector://{self.user}:{self.password}@{self.host}:{self.port}/{database or self.database}?charset=utf8mb4&collation=utf8mb4_unicode_ci"

    def connect_kwargs(self) -> dict:
        return {"host": self.host, "port": self.port, "user": self.user, "password": self.password, "database": self.database}


def start_mariadb():
    """Start a server; returns (MariaDBServer, stop callable)."""
    mariadbd = shutil.which("mariadbd") or ("/usr/sbin/mariadbd" if os.path.exists("/usr/sbin/mariadbd") else None)
    if not mariadbd:
        raise ServerUnavailable("MariaDB is not installed: run `make test` (scripts/setup.sh --test installs it)")
    tmp = tempfile.mkdtemp(prefix="stx-mariadbtest.")
    port, data, sock = free_port(), os.path.join(tmp, "data"), os.path.join(tmp, "mysqld.sock")
    user = "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody")
    subprocess.run(["mariadb-install-db", "--no-defaults", f"--user={user}", f"--datadir={data}", "--auth-root-authentication-method=normal", "--skip-test-db"], check=True, capture_output=True)
    proc = subprocess.Popen(
        [mariadbd, "--no-defaults", f"--user={user}", f"--datadir={data}", f"--socket={sock}", f"--port={port}",
         "--bind-address=127.0.0.1", f"--log-error={tmp}/error.log", f"--pid-file={tmp}/mysqld.pid", "--skip-name-resolve",
         "--skip-log-bin", "--local-infile=1", "--innodb-buffer-pool-size=128M", "--innodb-flush-log-at-trx-commit=0",
         "--innodb-doublewrite=0", "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    import mysql.connector

    deadline = time.monotonic() + 60
    while True:
        try:
            root = mysql.connector.connect(unix_socket=sock, user="root", password="")
            break
        except mysql.connector.Error:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise ServerUnavailable(open(f"{tmp}/error.log").read()[-2000:])
            time.sleep(0.1)
    cur = root.cursor()
    for stmt in ("CREATE DATABASE stx CHARACTER SET utf8mb4", "CREATE USER 'stx'@'%' IDENTIFIED BY 'stxpw'", "GRANT ALL ON *.* TO 'stx'@'%'"):
        cur.execute(stmt)
    root.close()

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)

    return MariaDBServer("127.0.0.1", port, "stx", "stxpw", "stx", sock), stop
