"""The associate's product lookup and chain stock: screens composed over every domain."""
