"""The bundled demo project and the defaults (data files; every YAML has a typed model)."""
