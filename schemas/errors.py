"""The project's exceptions. Each carries a message meant for the person running kepu."""


class KepuError(Exception):
    """Base of every error kepu reports to its user instead of a traceback."""


class ConfigError(KepuError):
    """kepu.toml, a command-line flag or the unit registry is wrong; nothing was written."""


class ValidationFailed(KepuError):
    """A table failed its schema between layers; the run published nothing."""


class RunFailed(KepuError):
    """The run could not finish for a reason outside kepu (a full disk, an I/O error); it published nothing
    and recorded itself as failed."""


class WarehouseBusy(KepuError):
    """Another kepu run holds the warehouse lock."""


class WarehouseDamaged(KepuError):
    """The published warehouse file cannot be read (truncated, overwritten, failed checksums): the run
    stops before writing anything; `kepu rebuild` or `kepu rollback` repairs it."""


class RunRefused(KepuError):
    """The run would do something a person should confirm first (remove most of the units that have
    reported); it publishes nothing unless run again with --force."""


class RunStopped(BaseException):
    """The run was told to stop (SIGTERM, SIGINT/Ctrl-C, SIGHUP). A BaseException, like KeyboardInterrupt,
    so no `except Exception` on the way up swallows it."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class BatchStopped(KepuError):
    """A parse batch ended early because its run is stopping."""
