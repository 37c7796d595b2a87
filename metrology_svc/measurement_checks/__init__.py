"""measurement_checks package: measurements re-made at an inspection (retail, petrol, gold)."""
