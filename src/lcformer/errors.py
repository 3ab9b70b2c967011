"""Errors a user can act on: they name the file, the line and what to do."""


class LcformerError(Exception):
    """Base class; the CLI prints these as one message, without a traceback."""


class InputError(LcformerError, ValueError):
    """A light-curve file or table that cannot be read as given."""


class DatasetNotFoundError(LcformerError, FileNotFoundError):
    """A named dataset is not where the data root says; the message says where to put it."""


class ConfigMismatchError(LcformerError, ValueError):
    """A checkpoint or prepared dataset was built with a different configuration."""


class RunNotFoundError(LcformerError, FileNotFoundError):
    """A run folder or checkpoint that does not exist (or is not finished)."""


class NothingToTrainError(LcformerError, ValueError):
    """After cleaning and tokenising, too little is left to train on."""


class ConfigError(LcformerError, ValueError):
    """A setting with an unknown name, a wrong type or an impossible value."""


class CorruptFileError(LcformerError, ValueError):
    """A checkpoint, prepared array or record whose bytes are damaged (truncated, empty, or
    not matching the SHA-256 digest stored with it); the message says how to get it back."""


class TrainingDivergedError(LcformerError, ArithmeticError):
    """The network's loss became infinite or NaN: its weights overflowed (a learning rate too
    high for the data); the message says at which epoch and what to lower."""


class LcformerWarning(UserWarning):
    """Every warning lcformer gives (what a call read, dropped, flagged or could not
    classify), so that a service classifying star by star can filter them alone: pandas
    resets Python's memory of the warnings shown on every call, so neither the default filter
    nor "once" shows a text only once in a long-running process. ``warnings.simplefilter(
    "ignore", LcformerWarning)`` silences them; ``predict_table(X)`` holds the counts."""
