"""The platform library every ccn-platform service is built on."""
