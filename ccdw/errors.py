"""Errors a command reports as one line on stderr with a non-zero exit."""


class CcdwError(Exception):
    """A command could not do its job; the message says why, in one line."""
