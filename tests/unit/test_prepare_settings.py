"""The gate and contact-number settings refuse what cannot work, naming the key."""
from __future__ import annotations

import pytest

from stx_migrate.migration.errors import ConfigError
from stx_migrate.migration.settings.base import validate_model
from stx_migrate.migration.settings.gate import GateSettings
from stx_migrate.migration.settings.prepare import ContactNumberPolicy


@pytest.mark.parametrize("model,data,expected", [
    (GateSettings, {"min_fill_rate": {"LASTNAM": 0.5}}, "min_fill_rate: Value error, unknown column LASTNAM"),
    (GateSettings, {"max_reject_rate_per_rule": {"EMAIL_INVALID": 2}}, "rates are between 0 and 1"),
    (GateSettings, {"max_reject_rate": 1.5}, "max_reject_rate"),
    (GateSettings, {"max_rejects": 0.1}, "max_rejects: unknown key"),
    (ContactNumberPolicy, {"policy": "allocate"}, "policy allocate needs reserved_range"),
    (ContactNumberPolicy, {"policy": "renumber"}, "policy"),
    (ContactNumberPolicy, {"policy": "keep", "reserved_range": {"first": 9, "last": 1}}, "last must not be below first"),
])
def test_bad_settings_are_refused(model, data, expected):
    with pytest.raises(ConfigError) as e:
        validate_model(model, data, "project.yaml")
    assert expected in str(e.value) and str(e.value).startswith("project.yaml › ")


def test_good_settings_load():
    gate = validate_model(GateSettings, {"min_fill_rate": {"LASTNAME": 0.9}, "max_reject_rate_per_rule": {"X": 0}}, "p")
    assert gate.min_fill_rate == {"LASTNAME": 0.9}
    policy = validate_model(ContactNumberPolicy, {"policy": "allocate", "reserved_range": {"first": 1, "last": 5}}, "p")
    assert policy.reserved_range.last == 5
