"""Stamps: signed QR verification stamps, printable sheets and the public verify page."""
