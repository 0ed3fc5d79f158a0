"""Reading services: plain async functions; no web framework here."""
