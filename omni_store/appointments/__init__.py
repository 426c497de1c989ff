"""Advice appointments: slots a store publishes, booked by e-reservations (DESIGN §2, §5)."""
