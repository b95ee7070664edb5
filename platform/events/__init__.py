"""Live events for a tenant's clients (camera status, later recordings and alerts)."""
