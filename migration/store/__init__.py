"""The SecuTix contact store of an environment: schema, import engine, contact services.

Public entry points: :func:`open_store`, :class:`ContactStore` (``reference_data``,
``existing_contact_numbers``, ``export_contacts``), :func:`seed_reference_data`,
:func:`import_contacts` → :class:`ImportResult`, and the services in ``services.py``.
"""
from .importer import ImportResult, import_contacts
from .reference_io import read_reference_data, seed_reference_data, set_number_range
from .store import ContactStore, open_store

__all__ = ["ContactStore", "ImportResult", "import_contacts", "open_store", "read_reference_data",
           "seed_reference_data", "set_number_range"]
