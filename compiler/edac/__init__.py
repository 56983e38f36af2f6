"""edac: the event-driven architecture compiler."""

__version__ = "0.1.0"
