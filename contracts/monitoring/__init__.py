"""Monitoring's integration events: the central office's export of case status changes."""
