"""units package."""
