"""Tests of the MQTT ingest against a real Mosquitto."""
