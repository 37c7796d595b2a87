"""Benchmarks: `python -m bench.NAME [--quick]`, each ending with one line of JSON."""
