"""Spaces: the reading base and ten-square-metre spaces, corners, hours, slots and bookings."""

import os

# Piccolo finds its engine through this module path; set before any table is imported.
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")
