"""The `stx-migrate` command line: parses, starts flows, maps errors to exit codes."""
