"""Exceptions that say what went wrong and how to fix it.

Library code raises these; the CLI and the UI turn them into one-line messages.
"""


class IsnadError(Exception):
    """Base class for every error a user can act on."""


class QueryError(IsnadError):
    """The query is empty, too long or otherwise unusable."""


class IndexMissingError(IsnadError):
    """No index exists where one was expected."""


class IndexCorruptError(IsnadError):
    """The index folder exists but cannot be read."""


class ModelMismatchError(IsnadError):
    """The index was built with another embedding model than the one requested."""


class CorpusError(IsnadError):
    """The corpus path cannot be read at all."""


class ModelUnavailableError(IsnadError):
    """An embedding or language model cannot be loaded here."""
