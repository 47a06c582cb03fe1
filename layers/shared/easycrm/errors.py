"""Domain errors, without the domain knowing about HTTP."""


class InvalidInput(ValueError):
    """A value a user sent is not acceptable; the message says which and why."""


class UnreadableFile(Exception):
    """An uploaded file cannot be read at all; str(error) is a message for the user who uploaded it."""
