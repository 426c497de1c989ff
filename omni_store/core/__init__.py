"""Cross-domain plumbing: database session rules, errors, time, page rendering."""
