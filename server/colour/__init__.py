"""Colour codes (三色码) and merchant QR codes (一户一码): policy, engine, events, printing."""
