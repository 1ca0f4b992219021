"""The bundled demo project (project.yaml, protocol.yaml, reference.yaml); data from ``config/demo_data.py``."""
