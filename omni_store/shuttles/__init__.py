"""Shuttle runs and parcels: packing, labels, loading, dispatch and receipt."""
