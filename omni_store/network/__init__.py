"""Locations (stores, warehouses, suppliers), their zones and the shuttle routes."""
