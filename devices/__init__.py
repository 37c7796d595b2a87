"""Connected control scales: payloads, MQTT ingest, device registry, agent (issue: MQTT ingest)."""
