"""The flows of architecture §1 (wiring only) and the CLI that starts them."""
