"""CLI command modules, one per room; see :mod:`ccdw.cli`."""
