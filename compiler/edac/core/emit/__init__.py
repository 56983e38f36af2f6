"""Emitters: pure functions from the IR to output files."""
