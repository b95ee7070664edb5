"""Cameras: the model, the stream-key index, the management API."""
