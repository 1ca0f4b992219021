"""I/O only: sources chosen by ``kind`` from a registry, and environments. No connector transforms data."""
