"""Tests of control-scale readings: rules, evidence, API."""
