"""Dagster code location and operational helpers for the marketplace warehouse."""
