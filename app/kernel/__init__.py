"""The shared kernel every domain package may use: base errors, clock, transactions, outbox."""
