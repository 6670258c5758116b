"""The base of every wire model: snake_case in Python, camelCase on the wire."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class WireModel(BaseModel):
    """A model of one wire shape of ``@workflow/world``.

    Loading accepts camelCase (the wire) and snake_case (Python) names; unknown keys are
    dropped, as upstream's zod objects strip them. Optional fields default to ``MISSING``
    (absent on the wire), which is distinct from an explicit ``None`` (JSON ``null``).
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        frozen=True,
        arbitrary_types_allowed=False,
    )

    def to_wire(self) -> dict[str, Any]:
        """Return the wire form: camelCase keys, absent fields left out, bytes as ``bytes``."""
        return self.model_dump(by_alias=True, mode="python")
