"""Every deliberate failure in narrator, as one tree.

::

    NarratorError                 base: str(err) is a full sentence that says what to do next
    ├── InputError                the article could not be read
    │   ├── SourceNotFoundError   no such file
    │   ├── EmptyInputError       nothing but whitespace
    │   ├── BinaryInputError      the bytes are not text
    │   ├── DecodeError           the text's encoding could not be found
    │   ├── InputTooLargeError    over the size limit
    │   └── FetchError            a URL failed, was refused, or points inside the network
    ├── NoArticleError            the page has no findable article
    ├── ConfigError               a configuration or rule file is invalid
    ├── VoiceError                unknown voice, engine or model; engine not installed
    ├── SynthesisError            the engine failed on a chunk
    ├── AudioError                assembling, decoding or encoding failed
    ├── OutputError               the output path cannot be written
    ├── VerifyError               the narration, heard back, is too far from its script
    └── MissingExtraError         an optional extra (verify, server, dask) is not installed

Third-party exceptions are translated at the boundary that calls the library, with
``raise ... from exc``, so callers (the CLI, the feed builder, the server) only ever
need to catch ``NarratorError``.
"""

from __future__ import annotations

__all__ = [
    "AudioError",
    "BinaryInputError",
    "ConfigError",
    "DecodeError",
    "EmptyInputError",
    "FetchError",
    "InputError",
    "InputTooLargeError",
    "MissingExtraError",
    "NarratorError",
    "NoArticleError",
    "OutputError",
    "SourceNotFoundError",
    "SynthesisError",
    "VerifyError",
    "VoiceError",
]


class NarratorError(Exception):
    """Base of every error narrator raises on purpose; the message is meant for users."""


class InputError(NarratorError):
    """The article's source could not be read as text."""


class SourceNotFoundError(InputError):
    """The named file does not exist."""


class EmptyInputError(InputError):
    """The input holds nothing but whitespace."""


class BinaryInputError(InputError):
    """The input is binary data, not text."""


class DecodeError(InputError):
    """The input's text encoding could not be determined."""


class InputTooLargeError(InputError):
    """The input is larger than the configured limit."""


class FetchError(InputError):
    """A URL could not be fetched, or was refused for safety."""


class NoArticleError(NarratorError):
    """The document was read, but no article could be found in it."""


class ConfigError(NarratorError):
    """A configuration file (rules, feed, server) is missing a field or holds a bad value."""


class VoiceError(NarratorError):
    """A voice, engine or voice model is unknown or unavailable."""


class SynthesisError(NarratorError):
    """The speech engine failed to render a chunk."""


class AudioError(NarratorError):
    """Audio could not be assembled, decoded or encoded."""


class OutputError(NarratorError):
    """The output could not be written."""


class VerifyError(NarratorError):
    """The narration, heard back by the recognizer, is too far from its script."""


class MissingExtraError(NarratorError):
    """A feature needs an optional extra that is not installed; the message names it."""
