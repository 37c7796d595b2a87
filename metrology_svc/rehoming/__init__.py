"""rehoming package: moving sites and scopes to the communes of a new unit scheme."""
