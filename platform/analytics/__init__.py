"""Analytics: camera availability over time (status changes, outages, uptime), with the
dashboard's figures and CSV export."""
