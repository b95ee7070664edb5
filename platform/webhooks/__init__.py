"""Webhooks: endpoints a tenant registers, events signed with Standard Webhooks and delivered
with retries by the general workers (issue 15, being built: signing, targets and the retry
schedule so far)."""
