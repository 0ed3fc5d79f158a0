"""Lending: the picture-book catalogue, copies and stock, loans, renewals, holds, transfers,
stocktakes. It never imports the programme."""
