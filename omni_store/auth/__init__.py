"""Users, roles, sign-in, API clients and the store-scoping rule."""
