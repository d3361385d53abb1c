"""Operational code: migrations, seed data and the local stack."""
