"""Shared base for model objects: frozen, strict, and readable validation errors."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError


class Frozen(BaseModel):
    """A frozen pydantic model that rejects unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


def format_validation_error(exc: ValidationError, *, source: str = "scenario") -> str:
    """One line per error: field path, the bad value, and what is allowed."""
    lines = [f"invalid {source}: {exc.error_count()} error(s)"]
    for err in exc.errors(include_url=False):
        path = ".".join(str(part) for part in err["loc"]) or "<root>"
        value = err.get("input")
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        lines.append(f"  {path}: {err['msg']} (got {shown})")
    return "\n".join(lines)


class ScenarioError(ValueError):
    """A scenario (file or object) that cannot be used; the message names field, value and rule."""
