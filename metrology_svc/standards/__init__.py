"""standards package."""
