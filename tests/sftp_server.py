"""A real OpenSSH server on loopback for the delivery tests (no Docker, nothing system-wide changed).

Its own host key, client key, authorized_keys and sshd_config in a temporary folder, a
free port on 127.0.0.1, started in the foreground (``sshd -D``) and stopped by its pid.
``sftp_only=True`` adds ``ForceCommand internal-sftp``: no command runs (the client then
checks an upload by reading it back instead of running sha256sum). ``password=...`` gives
the user that password for this server only: sshd (without PAM) checks passwords against
/etc/shadow, so it runs in a mount namespace of its own (``unshare``) where a copy of
/etc/shadow holding the password's hash is bound over the real one; the machine's own file
is never touched. The binary comes from Debian's ``openssh-server``, which
``scripts/setup.sh --test`` installs.
"""
from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from servers import ServerUnavailable, free_port

SSHD = "/usr/sbin/sshd"


@dataclass
class SftpServer:
    host: str
    port: int
    user: str
    folder: Path              # holds the keys, the config, the log and drop/ (the remote folder)
    client_key: str           # the client's private key, OpenSSH text
    known_hosts: Path         # a known_hosts file naming this server's host key
    password: str | None = None   # the user's password on this server (None: key login only)

    @property
    def drop(self) -> Path:
        return self.folder / "drop"

    def log_text(self) -> str:
        path = self.folder / "sshd.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True, capture_output=True)


def _shadow_with_password(folder: Path, user: str, password: str) -> Path:
    """A copy of /etc/shadow in which ``user``'s hash is ``password``'s (SHA-512 crypt, by openssl)."""
    hashed = subprocess.run(["openssl", "passwd", "-6", "-stdin"], input=password, text=True, check=True,
                            capture_output=True).stdout.strip()
    lines = []
    for line in Path("/etc/shadow").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == user:
            fields[1] = hashed
        lines.append(":".join(fields))
    shadow = folder / "shadow"
    shadow.write_text("\n".join(lines) + "\n")
    shadow.chmod(0o640)
    return shadow


def start_sftp(sftp_only: bool = False, password: str | None = None) -> tuple[SftpServer, callable]:
    """Start sshd; returns (SftpServer, stop callable). ServerUnavailable when it cannot start."""
    if not os.path.exists(SSHD):
        raise ServerUnavailable(f"{SSHD} missing: install openssh-server (scripts/setup.sh --test)")
    folder = Path(tempfile.mkdtemp(prefix="stx-sshd."))
    (folder / "drop").mkdir()
    _keygen(folder / "hostkey")
    _keygen(folder / "client")
    shutil.copy(folder / "client.pub", folder / "authorized_keys")
    os.makedirs("/run/sshd", exist_ok=True)   # privilege separation directory sshd insists on
    port = free_port()
    config = [f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {folder}/hostkey", f"PidFile {folder}/sshd.pid",
              f"AuthorizedKeysFile {folder}/authorized_keys", "StrictModes no", "UsePAM no",
              "PasswordAuthentication yes", "KbdInteractiveAuthentication no", "PermitRootLogin yes",
              "Subsystem sftp internal-sftp", "LogLevel VERBOSE"]
    if sftp_only:
        config.append("ForceCommand internal-sftp")
    (folder / "sshd_config").write_text("\n".join(config) + "\n")
    command = [SSHD, "-D", "-f", str(folder / "sshd_config"), "-E", str(folder / "sshd.log")]
    if password is not None:
        if os.geteuid() != 0 or not shutil.which("unshare"):
            raise ServerUnavailable("a password login needs root and unshare (util-linux): sshd reads /etc/shadow")
        shadow = _shadow_with_password(folder, getpass.getuser(), password)
        # sh becomes sshd (exec): the pid stopped below is sshd's; the bind mount dies with the namespace
        command = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                   'mount --bind "$1" /etc/shadow && shift && exec "$@"', "sh", str(shadow), *command]
    process = subprocess.Popen(command,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise ServerUnavailable(f"sshd did not start: {(folder / 'sshd.log').read_text(errors='replace')[-500:]}")
            time.sleep(0.1)
    host_key = (folder / "hostkey.pub").read_text().split()
    known_hosts = folder / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}\n")

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(folder, ignore_errors=True)

    server = SftpServer("127.0.0.1", port, getpass.getuser(), folder, (folder / "client").read_text(), known_hosts,
                        password)
    return server, stop
