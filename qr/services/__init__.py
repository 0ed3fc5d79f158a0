"""QR services: issue, verify and revoke tokens; render codes, posters and labels."""
