"""Recordings: chunks finalized from the ingest nodes' disks into tenant buckets."""
