"""The compiler core: pure phases from YAML text to emitted text (no filesystem, subprocess,
environment or process-global state)."""
