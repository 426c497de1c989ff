"""Customer returns: inspection line by line, disposition, refund record."""
