"""Shared base for model objects: frozen, strict, finite, and readable validation errors."""

from __future__ import annotations

import re
import typing
from typing import Annotated, Any, Optional

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from ..errors import ScenarioError  # noqa: F401 (re-exported)
from .bounds import MAX_TIMES, Days


class Frozen(BaseModel):
    """A frozen pydantic model that rejects unknown fields, inf and nan."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True, allow_inf_nan=False)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _tagged(union: Any, tag: Any) -> Optional[type[BaseModel]]:
    """The member of a discriminated union whose tag (a string field's default) is ``tag``, if any."""
    if typing.get_origin(union) is not typing.Union:
        return None
    return next((member for member in typing.get_args(union) if _is_model(member) and any(
        isinstance(field.default, str) and field.default == tag for field in member.model_fields.values())), None)


def _model_at(root: type[BaseModel], loc: tuple) -> Optional[type[BaseModel]]:
    """The model class found at ``loc`` below ``root`` (through dict values, tuple items, Optional
    and the members of discriminated unions, which pydantic names by their tag)."""
    current: Any = root
    for part in loc:
        if (member := _tagged(current, part)) is not None:
            current = member
            continue
        if _is_model(current):
            field = current.model_fields.get(part)
            current = field.annotation if field else None
        elif typing.get_origin(current) in (dict, tuple, list):
            args = typing.get_args(current)
            current = args[-1] if typing.get_origin(current) is dict else args[0]
        else:
            return None
        if typing.get_origin(current) is typing.Annotated:
            current = typing.get_args(current)[0]
        if typing.get_origin(current) is typing.Union and type(None) in typing.get_args(current):  # Optional[X] -> X
            current = next(a for a in typing.get_args(current) if a is not type(None))
    return current if _is_model(current) else None


def format_validation_error(
    exc: ValidationError, *, source: str = "scenario", model: Optional[type[BaseModel]] = None
) -> str:
    """One line per error: field path, the bad value, and what is allowed."""
    errors = exc.errors(include_url=False)
    # a container that is "too short" only because an item inside it failed says nothing new
    errors = [
        err for err in errors
        if not (err["type"] == "too_short" and any(o["loc"][: len(err["loc"])] == err["loc"] and o is not err for o in errors))
    ]
    lines = [f"invalid {source}: {len(errors)} error(s)"]
    for err in errors:
        path = ".".join(str(part) for part in err["loc"])
        message = err["msg"]
        if err["type"] == "value_error":
            # our validators write "<relative.path>: <rule> (got <value>)"
            message = message.removeprefix("Value error, ")
            relative, sep, rule = message.partition(": ")
            if sep and re.fullmatch(r"[\w.*]+", relative):
                path, message = ".".join(filter(None, (path, relative))), rule
            lines.append(f"  {path or '<root>'}: {message}")
            continue
        if err["type"] == "missing":
            lines.append(f"  {path}: {message}")
            continue
        shown = repr(err.get("input"))
        if len(shown) > 80:
            shown = shown[:77] + "..."
        owner = _model_at(model, err["loc"][:-1]) if model and err["type"] == "extra_forbidden" else None
        if owner is not None:
            message += f"; allowed: {', '.join(owner.model_fields)}"
        lines.append(f"  {path or '<root>'}: {message} (got {shown})")
    return "\n".join(lines)



def _strictly_increasing(times: tuple[float, ...]) -> tuple[float, ...]:
    if any(b <= a for a, b in zip(times, times[1:])):
        raise ValueError(f"must be strictly increasing (got {list(times)})")
    return times


#: Positive times in days, strictly increasing, at most ``MAX_TIMES`` of them (observation,
#: imaging and blood-draw schedules).
IncreasingDays = Annotated[tuple[Days, ...], Field(max_length=MAX_TIMES), AfterValidator(_strictly_increasing)]
