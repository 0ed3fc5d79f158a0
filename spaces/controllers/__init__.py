"""Thin Litestar controllers of the spaces domain (pages and JSON API)."""
