"""Ingest nodes: their registry and the nginx-rtmp configuration argus renders for them."""
