"""Secret references resolve at connect time; redaction masks every password form."""
from __future__ import annotations

import pytest

from stx_migrate.connectors.secrets import redact, redact_url, resolve
from stx_migrate.migration.errors import ConfigError


def test_env_reference_inside_a_url(monkeypatch):
    monkeypatch.setenv("LEGACY_PW", "s3cr!t")
    resolved = resolve("postgresql://app:${env:LEGACY_PW}@db:5432/crm")
    assert resolved.value == "postgresql://app:s3cr!t@db:5432/crm" and resolved.secrets == ["s3cr!t"]


def test_missing_variable_names_the_reference_not_a_value(monkeypatch):
    monkeypatch.delenv("NOPE_PW", raising=False)
    with pytest.raises(ConfigError, match=r"project.yaml › source › url: environment variable NOPE_PW is not set"):
        resolve("${env:NOPE_PW}", "project.yaml › source › url")


@pytest.mark.parametrize("text, hidden", [
    ("postgresql+psycopg://stx:topsecret@127.0.0.1:5432/stx", "topsecret"),
    ("DRIVER={FreeTDS};SERVER=h;UID=sa;PWD=topsecret;TDS_Version=7.4", "topsecret"),
    ("DRIVER={X};Password={top;secret};DATABASE=d", "top;secret"),
    ("connection failed for user stx with topsecret", "topsecret"),
])
def test_redact_masks_url_odbc_and_known_values(text, hidden):
    out = redact(text, ["topsecret"])
    assert hidden not in out and "***" in out


def test_redact_url_keeps_everything_else():
    assert redact_url("mysql+mysqlconnector://stx:pw@h:3306/db?charset=utf8mb4") == "mysql+mysqlconnector://stx:***@h:3306/db?charset=utf8mb4"
    assert redact_url(None) is None


def test_a_known_password_with_a_space_is_masked_whole():
    out = redact("DRIVER={X};UID=u;PWD=Canary 123: Can't open lib", ["Canary 123"])
    assert "Canary" not in out and "123" not in out and "Can't open lib" in out
