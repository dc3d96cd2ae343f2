"""The project's exceptions. Each carries a message meant for the person running kepu."""


class KepuError(Exception):
    """Base of every error kepu reports to its user instead of a traceback."""


class ConfigError(KepuError):
    """kepu.toml, a command-line flag or the unit registry is wrong; nothing was written."""


class ValidationFailed(KepuError):
    """A table failed its schema between layers; the run published nothing."""


class WarehouseBusy(KepuError):
    """Another kepu run holds the warehouse lock."""
