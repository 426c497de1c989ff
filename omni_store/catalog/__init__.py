"""Products with their barcodes; marketplace sellers and their offers."""
