"""Plans, quotas, usage and invoices over HTTP (the domain itself is ``argus.billing``)."""
