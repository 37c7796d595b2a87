"""sites package."""
