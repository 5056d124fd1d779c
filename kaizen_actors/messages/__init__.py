"""Layer 0, the wire: messages, their codec, envelopes and error types."""

from .._meta import publish
from ._codec import decode, encode
from ._errors import *  # noqa: F403 - the error tree is this package's API
from ._errors import __all__ as _error_names
from ._message import TAG_FIELD, Message

__all__ = ["TAG_FIELD", "Message", "decode", "encode", *_error_names]

publish(__all__, globals())
