"""The store manager's daily mission board."""
