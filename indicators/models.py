"""Stored indicator runs and values (built by the indicators issue)."""
