"""``CliError``: a user error, printed as one line with exit status 2."""


class CliError(Exception):
    """A user error: printed as one line, exit status 2."""
