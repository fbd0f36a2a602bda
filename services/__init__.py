"""The platform's services. `ccn` and the tests find each one's spec in `services.<name>.app`."""

SERVICES: tuple[str, ...] = ("registry", "environment", "promotion", "reporting")
