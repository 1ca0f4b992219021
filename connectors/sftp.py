"""Environment kind ``sftp``: the deliverable's import file and manifest into SecuTix's import drop.

Each file is uploaded under a temporary name (``.<name>.part``), checked, then renamed:
the importer never sees a half-written file. The check: the remote size, then the
remote sha256 when the server runs ``sha256sum`` for us (an exec channel), otherwise
the file read back over SFTP and hashed here. The import file goes first, the manifest
last: its presence says the delivery is complete. The server's host key must be in
``known_hosts`` (never skipped). Credentials are references resolved here; they reach
no log, no message and no file (paramiko's own logger is kept at WARNING).

Client library: paramiko (docs/delivery.md says why).
"""
from __future__ import annotations

import hashlib
import io
import logging
import posixpath
import re
import socket
from pathlib import Path

from stx_migrate.migration.errors import ConfigError, SourceUnavailable
from stx_migrate.migration.settings.project import Project
from stx_migrate.migration.delivery import DeliveredFile, file_sha256
from .secrets import redact, resolve

log = logging.getLogger("stx_migrate.sftp")
logging.getLogger("paramiko").setLevel(logging.WARNING)
_SHA256_LINE = re.compile(r"^([0-9a-f]{64})\s")


def _quote(path: str) -> str:
    return "'" + path.replace("'", "'\\''") + "'"


class SftpEnvironment:
    kind = "sftp"

    def __init__(self, project: Project, name: str):
        from .environments import environment_settings

        self.project, self.name = project, name
        self.settings = environment_settings(project, name)
        self.secrets: list[str] = []

    def describe(self) -> str:
        return f"sftp environment {self.name} ({self.target()})"

    def target(self) -> str:
        """Where the files go, without credentials."""
        s = self.settings
        return f"{s.user}@{s.host}:{s.port}/{s.remote_dir}"

    # -- connection -------------------------------------------------------------------------
    def _where(self, key: str) -> str:
        return f"project.yaml › environments › {self.name} › {key}"

    def _private_key(self):
        import paramiko

        text = resolve(self.settings.key, self._where("key"))
        passphrase = resolve(self.settings.key_passphrase, self._where("key_passphrase")) if self.settings.key_passphrase else None
        self.secrets += text.secrets + (passphrase.secrets if passphrase else [])
        for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
            try:
                return cls.from_private_key(io.StringIO(text.value), password=passphrase.value if passphrase else None)
            except (paramiko.SSHException, ValueError):
                continue
        raise ConfigError(f"{self._where('key')}: not a private key paramiko can read (OpenSSH or PEM, "
                          "ed25519, ecdsa or rsa; a passphrase goes in key_passphrase)")

    def connect(self):
        """An SSH client whose server proved the host key of ``known_hosts``; ConfigError / SourceUnavailable."""
        import paramiko

        s = self.settings
        known_hosts = self.project.path(s.known_hosts)
        if not known_hosts.is_file():
            raise ConfigError(f"{self._where('known_hosts')}: file not found ({known_hosts})")
        client = paramiko.SSHClient()
        client.load_host_keys(str(known_hosts))
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        pkey = self._private_key() if s.key else None
        password = None
        if s.password:
            resolved = resolve(s.password, self._where("password"))
            self.secrets += resolved.secrets
            password = resolved.value
        target = f"{s.user}@{s.host}:{s.port}"
        try:
            client.connect(s.host, port=s.port, username=s.user, pkey=pkey, password=password, look_for_keys=False,
                           allow_agent=False, timeout=s.timeout_seconds, banner_timeout=s.timeout_seconds,
                           auth_timeout=s.timeout_seconds)
        except paramiko.BadHostKeyException:
            client.close()
            raise ConfigError(f"{self._where('known_hosts')}: {s.host} showed a host key that differs from the one in "
                              f"{known_hosts.name}: refused (a changed server, or not the server)") from None
        except paramiko.AuthenticationException:
            client.close()
            raise ConfigError(f"sftp {target}: authentication refused (check {self._where('key' if s.key else 'password')})") from None
        except paramiko.SSHException as e:
            client.close()
            if "not found in known_hosts" in str(e):
                raise ConfigError(f"{self._where('known_hosts')}: {s.host}'s host key is not in {known_hosts.name} "
                                  "(add it: ssh-keyscan -p PORT HOST, checked with SecuTix)") from None
            raise SourceUnavailable(f"sftp {target}: {redact(str(e), self.secrets)}") from None
        except (OSError, socket.timeout) as e:
            client.close()
            raise SourceUnavailable(f"sftp {target}: cannot connect ({type(e).__name__}: {redact(str(e), self.secrets)})") from None
        return client

    # -- delivery ---------------------------------------------------------------------------
    def _remote_sha256(self, client, path: str) -> str | None:
        """The remote file's sha256 by ``sha256sum`` when the server lets us run it; None otherwise."""
        try:
            channel = client.get_transport().open_session(timeout=self.settings.timeout_seconds)
            channel.settimeout(self.settings.timeout_seconds)
            channel.exec_command(f"sha256sum -- {_quote(path)}")
            channel.shutdown_write()   # a server that forces internal-sftp ends on EOF instead of waiting
            output = b""
            while True:
                chunk = channel.recv(4096)
                if not chunk or len(output) > 4096:
                    break
                output += chunk
            status = channel.recv_exit_status()
            channel.close()
        except Exception:  # noqa: BLE001 - any refusal means: read it back instead
            return None
        found = _SHA256_LINE.match(output.decode("ascii", "replace"))
        return found.group(1) if status == 0 and found else None

    @staticmethod
    def _read_back_sha256(sftp, path: str) -> str:
        digest = hashlib.sha256()
        with sftp.open(path, "rb") as handle:
            handle.prefetch()
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()

    def _put(self, client, sftp, local: Path, name: str) -> DeliveredFile:
        remote_dir = self.settings.remote_dir
        final, part = posixpath.join(remote_dir, name), posixpath.join(remote_dir, f".{name}.part")
        expected, size = file_sha256(local), local.stat().st_size
        sftp.put(str(local), part, confirm=False)
        remote_size = sftp.stat(part).st_size
        if remote_size != size:
            raise SourceUnavailable(f"sftp upload of {name}: {remote_size} bytes arrived of {size}; nothing renamed")
        remote = self._remote_sha256(client, part)
        checked = "remote sha256sum"
        if remote is None:
            remote, checked = self._read_back_sha256(sftp, part), "read back"
        if remote != expected:
            raise SourceUnavailable(f"sftp upload of {name}: the remote copy's sha256 differs; nothing renamed")
        try:
            sftp.posix_rename(part, final)
        except OSError:   # a server without the posix-rename extension: plain rename (the final name is new)
            sftp.rename(part, final)
        return DeliveredFile(name=name, sha256=expected, size=size, checked=checked)

    def deliver(self, files: list[tuple[Path, str]]) -> list[DeliveredFile]:
        """Upload each (local file, name) in order (:func:`delivery_names`), each checked before its rename."""
        client = self.connect()
        try:
            sftp = client.open_sftp()
            try:
                delivered = [self._put(client, sftp, local, name) for local, name in files]
            finally:
                sftp.close()
        except OSError as e:
            raise SourceUnavailable(f"sftp {self.settings.host}: {type(e).__name__}: {redact(str(e), self.secrets)}") from None
        finally:
            client.close()
        log.info("sftp %s: delivered %s", self.name, ", ".join(f"{d.name} ({d.size} bytes, {d.checked})" for d in delivered))
        return delivered
