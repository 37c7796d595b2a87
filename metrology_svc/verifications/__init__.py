"""verifications package."""
