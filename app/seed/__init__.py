"""Demo data for `make run` (`demo`) and deterministic synthetic data at district or city
scale for the benchmarks (`runner.seed_synthetic`, `python -m app seed-synthetic`).

The synthetic generator: `scale` (how much), `names` (the name corpora), `rows` (one typed
row per table written, checked against the Piccolo tables), `sinks` (where rows go: binary
COPY on PostgreSQL, executemany on SQLite, a digest in memory), `context` (ids, buffers and
what the parts tell each other), one module per generated part, and `runner` (the order of
the parts, flushing, the report).
"""
