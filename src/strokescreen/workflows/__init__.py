"""Workflows: code that chains stages or owns folders; CLI commands call these."""
