"""Errors that must reach the user as one line, never as a traceback."""


class ConfigError(Exception):
    """A usage problem with the configuration or the options; its message is one line.

    The plugin turns it into pytest's usage error (exit status 4), so a broken configuration can
    never look like a conformance failure.
    """
