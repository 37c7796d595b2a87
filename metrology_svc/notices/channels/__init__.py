"""Delivery channels: each sends one rendered notice or raises; the ledger records the outcome."""
