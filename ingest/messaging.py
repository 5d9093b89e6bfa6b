"""The company's messaging (``messaging.yaml``): names, talk tracks and canonical facts.

Example file::

    company: {name: Acme, aliases: [Acme Inc., ACME Corp]}
    products: [{name: Acme Flow, aliases: [AcmeFlow]}]
    category: "revenue enablement platform"
    talk_tracks:
      - id: roi
        name: "Payback in six months"
        statement: "Customers recover the cost within six months."
    facts:
      - {id: uptime, claim: "Acme Flow has a 99.99% uptime SLA."}

Unknown keys are ignored. :func:`load_messaging` reports a bad field by its path in the file
(``talk_tracks[2].statement``), with what was expected and what was found.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from ingest.errors import MessagingError
from ingest.textfile import load_yaml, read_text

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
MAX_YAML_NODES = 100_000
"""Values (with YAML aliases expanded) a messaging.yaml may hold; more is refused."""


def _number_as_text(value: Any) -> Any:
    """YAML reads ``id: 2024`` as a number; an id is text."""
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def _as_list(value: Any) -> Any:
    """``aliases:`` left empty (null) is no aliases; a single alias may be given as text."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else value


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError("a short id of letters, digits, '_', '-' or '.' (no spaces)")
    return value


Text = Annotated[str, Field(min_length=1)]
Aliases = Annotated[list[Text], BeforeValidator(_as_list)]
Id = Annotated[Text, BeforeValidator(_number_as_text), AfterValidator(_check_id)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Company(_Model):
    """The company's name and the other names it goes by."""

    name: Text
    aliases: Aliases = []


class Product(_Model):
    """A product's name and the other names it goes by."""

    name: Text
    aliases: Aliases = []


class TalkTrack(_Model):
    """A message reps are meant to use: ``id`` (as in ``callmine messages``), name, statement,
    and optionally ``examples``: other ways reps say it, which help the matcher recognise it."""

    id: Id
    name: Text
    statement: Text
    examples: Aliases = []


class Fact(_Model):
    """A canonical claim, optionally about a ``subject`` (a product, a topic)."""

    id: Id
    claim: Text
    subject: str | None = None


class Messaging(BaseModel):
    """The company's messaging as in ``messaging.yaml``."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    company: Company
    products: Annotated[list[Product], BeforeValidator(_as_list)] = []
    category: str | None = None
    talk_tracks: Annotated[list[TalkTrack], BeforeValidator(_as_list)] = []
    facts: Annotated[list[Fact], BeforeValidator(_as_list)] = []

    def all_names(self) -> list[str]:
        """Company and product names with their aliases, each once, in file order.

        Example:
            >>> Messaging(company={"name": "Acme", "aliases": ["ACME"]},
            ...           products=[{"name": "Flow"}]).all_names()
            ['Acme', 'ACME', 'Flow']
        """
        entities: list[Company | Product] = [self.company, *self.products]
        names = [name for entity in entities for name in [entity.name, *entity.aliases]]
        return list(dict.fromkeys(names))  # each once, first place kept, in linear time

    def talk_track(self, track_id: str) -> TalkTrack | None:
        """The talk track with this id, or None."""
        return next((t for t in self.talk_tracks if t.id == track_id), None)


def load_messaging(path: Path) -> Messaging:
    """Read and validate a ``messaging.yaml``.

    Args:
        path: The YAML file.

    Returns:
        The validated messaging.

    Raises:
        MessagingError: for a YAML syntax error (with its line), a missing or ill-typed field
            (named by its path, e.g. ``talk_tracks[2].statement``) or a duplicate id.

    Example:
        >>> load_messaging(Path("demo/messaging.yaml")).company.name
        'Vantora'
    """
    path = Path(path)
    name = path.name
    text = read_text(path, MessagingError)
    try:
        data = load_yaml(text)
    except RecursionError:
        raise MessagingError(f"{name}: nested too deeply to be a messaging file; check its "
                             "indentation and brackets.") from None
    except ValueError as exc:  # valid YAML Python cannot hold: a date 2024-13-45, a huge number
        problem = ("a number is thousands of digits long" if "digits" in str(exc)
                   else f"a value cannot be read ({exc})")
        raise MessagingError(f"{name}: {problem}; put it in quotes to keep it as text.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        raise MessagingError(
            f"{name}: YAML syntax error{where}: {problem}. Check the indentation and quoting "
            "there.") from None
    if not isinstance(data, dict):
        raise MessagingError(
            f"{name}: expected a mapping with 'company', 'products', 'category', 'talk_tracks' "
            f"and 'facts', found {_kind(data)}.")
    if _too_many_values(data, MAX_YAML_NODES):
        raise MessagingError(
            f"{name}: holds more than {MAX_YAML_NODES:,} values once its YAML aliases (*name) "
            "are expanded; a messaging file needs far fewer. Write the values out instead of "
            "repeating aliases.")
    try:
        messaging = Messaging.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(err) for err in exc.errors()]
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise MessagingError(f"{name}: {'; '.join(problems[:3])}{more}.") from None
    for field, ids in (("talk_tracks", [t.id for t in messaging.talk_tracks]),
                       ("facts", [f.id for f in messaging.facts])):
        seen: dict[str, int] = {}
        for i, item_id in enumerate(ids):
            if item_id in seen:
                raise MessagingError(
                    f"{name}: {field}[{i}].id: '{item_id}' is used twice (also {field}"
                    f"[{seen[item_id]}].id); give each its own id.")
            seen[item_id] = i
    return messaging


def _too_many_values(data: Any, limit: int) -> bool:
    """Whether ``data`` holds more than ``limit`` values, counting each alias use again."""
    count = 1
    todo = [data]
    while todo:
        value = todo.pop()
        if isinstance(value, dict):
            children = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            children = value
        else:
            continue
        count += len(children)
        if count > limit:
            return True
        todo.extend(children)
    return False


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not str(part).startswith(("function-", "list[", "str")):
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    names = {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number",
             float: "a number"}
    kind = names.get(type(value), type(value).__name__)
    if isinstance(value, (str, int, float, bool)):
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "...'"
        return f"{kind} {shown}"
    return kind


_EXPECTED = {
    "missing": "a value (the field is required)",
    "string_type": "text",
    "string_too_short": "non-empty text",
    "list_type": "a list",
    "model_type": "a mapping (key: value pairs)",
    "model_attributes_type": "a mapping (key: value pairs)",
    "dict_type": "a mapping (key: value pairs)",
}


def _describe(err: Mapping[str, Any]) -> str:
    where = _loc(tuple(err.get("loc", ())))
    kind = err.get("type", "")
    if kind == "missing":
        return f"{where}: missing; it is required"
    if kind == "value_error":
        expected = str(err.get("ctx", {}).get("error", err.get("msg", "")))
    else:
        expected = _EXPECTED.get(kind, err.get("msg", "a valid value").lower())
    found = err.get("input")
    return f"{where}: expected {expected}, found {_kind(found)}"


__all__ = ["Company", "Product", "TalkTrack", "Fact", "Messaging", "load_messaging"]
