"""Signatures: typed inputs and outputs, the prompt built from them, and reading replies back.

- ``_signature``: :class:`Signature`, :func:`signature` (class and string
  forms), :class:`FieldSpec` (one field's type, description and validator).
- ``_prompt``: the chat messages of a turn (system prompt from the
  signature, the inputs, notes, retry feedback, tool messages).
- ``_parse``: a finished reply to validated output values (linear time,
  long replies off the loop, a depth limit).
- ``_fields``: the text of the output fields as the reply streams (``Token``).
"""

from ._signature import FieldSpec, InputField, OutputField, Signature
from ._spec import signature

__all__ = ["FieldSpec", "InputField", "OutputField", "Signature", "signature"]
