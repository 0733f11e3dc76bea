"""Benchmarks (``make bench``): each room's module has ``run(settings, scale) -> list[dict]``."""
