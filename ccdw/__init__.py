"""ccdw core: settings, paths, the DuckDB connection, logging and the CLI."""

__version__ = "0.1.0"
