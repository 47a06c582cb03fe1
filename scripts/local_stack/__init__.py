"""Docker-free stand-in for AWS: moto for the services, in-process Lambda handlers, template-driven."""
