"""The SecuTix extended contact import format as data (secutix-format §2–§6)."""
from .catalogue import CLEAR, CODE_ROW, EMPTY, HEADER_ROWS, ColumnSpec, Format, extended_format

__all__ = ["CLEAR", "CODE_ROW", "EMPTY", "HEADER_ROWS", "ColumnSpec", "Format", "extended_format"]
