"""Shared base for model objects: frozen, strict, and readable validation errors."""

from __future__ import annotations

import typing
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, ValidationError


class Frozen(BaseModel):
    """A frozen pydantic model that rejects unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _model_at(root: type[BaseModel], loc: tuple) -> Optional[type[BaseModel]]:
    """The model class found at ``loc`` below ``root`` (through dict values, tuple items, Optional)."""
    current: Any = root
    for part in loc:
        if _is_model(current):
            field = current.model_fields.get(part)
            current = field.annotation if field else None
        elif typing.get_origin(current) in (dict, tuple, list):
            args = typing.get_args(current)
            current = args[-1] if typing.get_origin(current) is dict else args[0]
        else:
            return None
        if typing.get_origin(current) is typing.Union:  # Optional[X] -> X
            current = next(a for a in typing.get_args(current) if a is not type(None))
    return current if _is_model(current) else None


def format_validation_error(
    exc: ValidationError, *, source: str = "scenario", model: Optional[type[BaseModel]] = None
) -> str:
    """One line per error: field path, the bad value, and what is allowed."""
    lines = [f"invalid {source}: {exc.error_count()} error(s)"]
    for err in exc.errors(include_url=False):
        path = ".".join(str(part) for part in err["loc"]) or "<root>"
        shown = repr(err.get("input"))
        if len(shown) > 80:
            shown = shown[:77] + "..."
        message = err["msg"]
        owner = _model_at(model, err["loc"][:-1]) if model and err["type"] == "extra_forbidden" else None
        if owner is not None:
            message += f"; allowed: {', '.join(owner.model_fields)}"
        lines.append(f"  {path}: {message} (got {shown})")
    return "\n".join(lines)


class ScenarioError(ValueError):
    """A scenario (file or object) that cannot be used; the message names field, value and rule."""
