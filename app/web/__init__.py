"""The web wiring: app factory, auth, sessions, idempotency, i18n and the HTTP controllers."""
