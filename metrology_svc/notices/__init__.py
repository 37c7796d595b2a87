"""Notices: reminders, recalls and alerts, their delivery ledger and owners' channels."""
