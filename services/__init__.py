"""The platform's apps. `ccn` and the tests find each one's spec in `services.<name>.app`."""

SERVICES: tuple[str, ...] = ("registry", "environment", "promotion", "reporting")
"""The services that own data: each keeps a database, publishes or consumes events, and is
migrated, seeded, fuzzed and served by `ccn` and the tests."""

CONSOLE = "console"
"""The officials' web console: built by the same kit, it keeps no data and calls the services'
public APIs; `ccn serve console` serves it and `ccn run` starts it with the others."""
