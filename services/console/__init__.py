"""The officials' web console: Vietnamese pages over the services' public APIs."""
