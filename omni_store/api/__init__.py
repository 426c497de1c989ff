"""The JSON API v1 for the e-commerce front, the ERP, the WMS and suppliers."""
