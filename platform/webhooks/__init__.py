"""Webhooks: endpoints a tenant registers, events signed with Standard Webhooks and delivered
with retries by the general workers (issue 15, being built: endpoints, signing, targets,
delivery with its log, test and resend so far; the platform's events are not emitted yet)."""
