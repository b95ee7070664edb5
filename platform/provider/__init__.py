"""The provider API (``/provider/v1``: ``controller``, ``nodes``) and provider API keys."""
