"""The reporting service: cross-agency projections and the reports the agencies publish."""
