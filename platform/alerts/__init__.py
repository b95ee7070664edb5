"""Notification rules, incidents and their messages (e-mail, SMS, in-app), provider alerts,
and ``announce``: the one way a domain publishes a fact's event to webhooks and rules."""
