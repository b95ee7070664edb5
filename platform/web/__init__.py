"""The server-rendered web app: admin pages and viewer pages on the tenant's host.

Pages are Jinja2 templates in the tenant's brand (``/theme.css`` carries the brand's colours
as CSS custom properties, nothing else); interactive parts call the same ``/api/v1`` the
integrations use (``static/app.js`` adds the CSRF header), htmx swaps server-rendered fragments,
hls.js plays video. Front-end packages come from npm (``package-lock.json``), served from
``/vendor``: nothing is loaded from a CDN.
"""

from argus.platform.web.routes import web_handlers

__all__ = ["web_handlers"]
