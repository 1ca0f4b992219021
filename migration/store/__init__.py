"""The SecuTix contact store of an environment: schema, import engine, contact services.

Public entry points: :func:`open_store`, :class:`ContactStore` (``reference_data``,
``existing_contact_numbers``, ``export_contacts``), :func:`seed_reference_data`,
:func:`import_contacts` → :class:`ImportResult`, and the services in ``services.py``.

Each name is imported on first use: a command that only reads an environment's
catalogue does not load the import engine and its ORM models.
"""
from importlib import import_module

_HOMES = {"ContactStore": "store", "open_store": "store", "ImportResult": "importer", "import_contacts": "importer",
          "read_reference_data": "reference_io", "seed_reference_data": "reference_io", "set_number_range": "reference_io"}
__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value   # once found, an ordinary attribute
    return value
