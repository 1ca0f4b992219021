"""Fixtures of the delivery tests: real OpenSSH servers on loopback, a project with a real deliverable."""
from __future__ import annotations

import pytest

from sftp_server import start_sftp


@pytest.fixture(scope="session")
def sftp_server():
    """An sshd that lets the client run sha256sum (the remote check)."""
    server, stop = start_sftp()
    try:
        yield server
    finally:
        stop()


@pytest.fixture(scope="session")
def sftp_only_server():
    """An sshd with ForceCommand internal-sftp: no command runs, uploads are read back."""
    server, stop = start_sftp(sftp_only=True)
    try:
        yield server
    finally:
        stop()


@pytest.fixture(scope="session")
def sftp_password_server():
    """An sshd where the user logs in with a password made up for this session (its own /etc/shadow view)."""
    import secrets

    server, stop = start_sftp(password=f"Pw-{secrets.token_urlsafe(18)}")
    try:
        yield server
    finally:
        stop()
