"""The pickup counter: finding a customer's order and handing it over."""
