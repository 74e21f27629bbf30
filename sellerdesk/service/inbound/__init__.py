"""Channels in: the marketplace's signed message push (marketplace.py) and email to a
shop's inbound address (email.py, fed by the `sellerdesk mailin` SMTP server)."""
