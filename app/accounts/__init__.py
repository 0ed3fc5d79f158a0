"""Identity: users, families, guardians, children, guardian consent, roles and API tokens."""
