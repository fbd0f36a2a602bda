"""The environment service: inspections, measurements against versioned limits, violations, pollution classification."""  # noqa: E501
