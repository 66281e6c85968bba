"""The project's exception tree: every error a user can cause is a BotError."""


class BotError(Exception):
    """Base class: the command line turns it into one line on stderr and exit status 2."""


class ConfigError(BotError):
    """The configuration is wrong; the message names the key or the file."""


class KnowledgeError(BotError):
    """A knowledge file (document, dictionary, stoplist, synonyms, FAQ) cannot be used."""
