"""Customer pages reached by a signed link: order status, QR code, handover confirmation."""
