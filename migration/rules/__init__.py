"""The SecuTix format rules: the catalogue (``rules.yaml``) and the vectorised engine."""
from .catalogue import Rule, RuleCatalogue, load_rules
from .checks import CHECKS
from .context import KIND_CONFIG, KIND_INDIVIDUAL, KIND_NONE, KIND_RELAY, KIND_STRUCTURE
from .chunked import check_contacts_in_chunks
from .engine import CheckResult, check_contacts

__all__ = [
    "CHECKS", "CheckResult", "Rule", "RuleCatalogue", "check_contacts", "check_contacts_in_chunks", "load_rules",
    "KIND_CONFIG", "KIND_INDIVIDUAL", "KIND_NONE", "KIND_RELAY", "KIND_STRUCTURE",
]
