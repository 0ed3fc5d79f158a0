"""District statistics: the figures of the programme over the domains' tables (read only),
the export per space and month, the quiet sites and their alerts, the dashboard."""
