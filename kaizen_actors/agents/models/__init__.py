"""Models: the protocol an agent needs, litellm, the offline scripted model, and model text.

- ``_model``: :class:`ChatModel` (the protocol), :class:`UsageMeter`,
  :func:`resolve_model` (what ``model=`` accepts).
- ``_litellm``: :class:`Model`, every litellm provider, streamed (litellm is
  imported on first use, off the loop).
- ``_scripted``: :class:`ScriptedModel`, deterministic and offline.
- ``_text``: model text made encodable where it enters (:data:`TEXT_REPAIRS`).
- ``_call``: :class:`ModelCall`, a model call as the system's middleware sees it.
"""

from ._call import ModelCall, ModelReply
from ._litellm import Model
from ._model import ChatModel, UsageMeter, accepts_tools, resolve_model
from ._scripted import ScriptedModel, ScriptExhausted
from ._text import TEXT_REPAIRS, TextRepairs, encodable, encodable_value

__all__ = [
    "TEXT_REPAIRS",
    "ChatModel",
    "Model",
    "ModelCall",
    "ModelReply",
    "ScriptExhausted",
    "ScriptedModel",
    "TextRepairs",
    "UsageMeter",
    "accepts_tools",
    "encodable",
    "encodable_value",
    "resolve_model",
]
