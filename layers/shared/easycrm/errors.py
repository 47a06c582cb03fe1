"""Domain errors the API answers with 400, without the domain knowing about HTTP."""


class InvalidInput(ValueError):
    """A value a user sent is not acceptable; the message says which and why."""
