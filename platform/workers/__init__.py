"""arq workers. ``argus worker`` runs the general worker: tenant work that needs no local files."""

from argus.platform.workers.general import queue_name, worker_settings

__all__ = ["queue_name", "worker_settings"]
