"""imports package."""
