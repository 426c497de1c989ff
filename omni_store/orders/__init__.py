"""Customers, orders, their lines and the sourcing plan (allocations)."""
