"""The REST plumbing every API function shares: the resolver, the one error shape, reading requests."""
