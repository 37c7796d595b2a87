"""instrument types package."""
