"""metrology_svc: legal metrology registry and verification service."""

__version__ = "0.1.0"
