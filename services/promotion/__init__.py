"""The promotion service: khuyến công plans, support caps, projects, their money and outputs."""
