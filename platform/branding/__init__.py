"""The tenant's brand over the API (``/api/v1/branding``)."""
