"""qr's HTTP: the check-in API, the `/q/<token>` pages and the staff scanning page."""
