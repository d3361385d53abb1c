"""Shared layer of the booking backend: domain, adapters, HTTP mapping, observability, settings."""
