"""The demo chain: a believable French retailer, built through the real services."""
