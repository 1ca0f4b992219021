"""What the customer reads: the migration report (``report.xlsx``) and the starter kit (``stx-migrate guide``).

Both are written in the project's language (fr, de, en) from the same word tables
(:mod:`.words`), and both are generated from the catalogues (columns.yaml, rules.yaml)
so they cannot drift from what the validator does.
"""
from .words import LANGUAGES, column_label, reason_text, word

__all__ = ["LANGUAGES", "column_label", "reason_text", "word"]
