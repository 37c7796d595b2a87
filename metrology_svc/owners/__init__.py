"""owners package."""
