"""arq workers. ``argus worker`` runs the general worker: tenant work that needs no local files."""

from argus.platform.core.jobs import general_queue
from argus.platform.workers.general import worker_settings

__all__ = ["general_queue", "worker_settings"]
