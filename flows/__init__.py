"""The flows of DESIGN §1 (wiring only) and the CLI that starts them."""
