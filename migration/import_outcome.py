"""Whether an import into an environment did its job: an import that loads nothing, or refuses
more of its rows than the quality gate allows, is a failed step, not a success with counts.

The share is the import's own refusals over the rows it was given (the deliverable's valid
rows); the limit is the gate's ``max_reject_rate``, the same one the deliverable passed.
"""
from __future__ import annotations

from collections.abc import Mapping


def import_refusals(counts: Mapping[str, object], max_share: float) -> list[str]:
    """Why the import must count as failed (empty: it did its job). ``counts`` is the import's summary."""
    given = sum(int(counts.get(k, 0) or 0) for k in ("imported", "updated", "unchanged", "not_imported"))
    loaded = given - int(counts.get("not_imported", 0) or 0)
    reasons = []
    if int(counts.get("handed_over", 0) or 0):       # a file drop: SecuTix's own import does the loading
        return reasons
    top = sorted(dict(counts.get("import_reasons") or {}).items(), key=lambda kv: -int(kv[1]))[:3]
    why = f" (mostly {', '.join(f'{code} {n}' for code, n in top)})" if top else ""
    if loaded == 0:
        reasons.append(f"the import loaded nothing: 0 of {given} row(s){why}")
    elif given and int(counts.get("not_imported", 0) or 0) / given > max_share:
        share = int(counts["not_imported"]) / given
        reasons.append(f"the import refused {counts['not_imported']} of {given} row(s) ({share:.1%}), more than the "
                       f"gate's max_reject_rate {max_share:.1%}{why}")
    return reasons
