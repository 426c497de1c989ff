"""Messages to customers and other systems, composed from outbox events and delivered."""
