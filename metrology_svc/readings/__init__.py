"""Connected control scales: devices, readings, self-checks, evidence against short-weighing."""
