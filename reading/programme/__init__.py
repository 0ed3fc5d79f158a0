"""The reading programme: reading sessions, family lead readers, the family reading log and
certificates. It may use lending, never the reverse."""
