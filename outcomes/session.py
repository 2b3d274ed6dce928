"""session.yaml: read, validate, and report every problem with its key and line."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from outcomes import catalog
from outcomes.errors import Location, Problems
from outcomes.model import Participation, Person, Role, SessionMeta
from outcomes.text import clean_text

SESSION_FILE = "session.yaml"
COPY_IT = "copy the file into the folder instead"
MAX_SESSION_BYTES = 256 * 1024
"""Largest session.yaml (one with a hundred people is 20 KB); PyYAML needs ~1 s per 100 KB."""
LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
PERSON_KEYS = {"name", "role", "stakeholder", "region", "gender", "affiliation"}


# libyaml's parser when PyYAML has it (about 10 times faster; the same nodes, marks and errors).
_SafeLoader = catalog.SafeLoader


class _LineLoader(_SafeLoader):
    """A safe loader that remembers the line of every mapping key and sequence item."""


class DuplicateKey(yaml.MarkedYAMLError):
    """A mapping that holds one key twice (YAML would silently keep the second)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    lines: dict[Any, int] = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if isinstance(key, str | int | float | bool | dt.date) and key in lines:
            raise DuplicateKey(
                problem=f"'{key}' is written twice, on lines {lines[key]} and {line}; keep one",
                problem_mark=key_node.start_mark,
            )
        lines[key] = line
    mapping = _SafeLoader.construct_mapping(loader, node, deep=True)
    mapping["__lines__"] = lines
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
    """A date, or its text when it is no date (2025-13-45), for the field check to report with the rest."""
    try:
        return _SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


MAX_YAML_NODES = 10_000
"""Most values a YAML document may hold once its aliases are expanded (a session.yaml has ~100)."""
MAX_YAML_DEPTH = 50
"""Deepest nesting of values accepted (a session.yaml nests 3 deep)."""


class YAMLTooLarge(yaml.MarkedYAMLError):
    """A YAML document whose aliases expand to too many values ("billion laughs"), or nest too deep."""


def load_yaml(text: str, loader_class: type[yaml.SafeLoader] = _SafeLoader):
    """Parse one YAML document safely: no Python objects, and no alias bombs or runaway nesting.

    The node graph is measured before anything is constructed, so an alias bomb costs nothing.
    """
    loader = loader_class(text)
    failed: list[yaml.Node] = []
    construct = loader.construct_object

    def construct_object(node: yaml.Node, deep: bool = False):
        # PyYAML's own constructors raise ValueError on values such as the date 0000-00-00.
        try:
            return construct(node, deep)
        except (ValueError, TypeError, OverflowError):
            failed.append(node)
            raise

    loader.construct_object = construct_object
    try:
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_expansion(node)
            return loader.construct_document(node)
        except (ValueError, TypeError, OverflowError) as exc:
            mark = failed[0].start_mark if failed else None
            raise yaml.constructor.ConstructorError(
                problem=f"the value cannot be read ({exc})", problem_mark=mark
            ) from None
        except RecursionError:
            mark = loader.get_mark() if hasattr(loader, "get_mark") else None  # libyaml's has none
            raise YAMLTooLarge(problem="values are nested too deeply", problem_mark=mark) from None
    finally:
        loader.dispose()


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a document whose aliases expand past :data:`MAX_YAML_NODES` values or refer to themselves."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node, depth: int = 0) -> int:
        if depth > MAX_YAML_DEPTH:
            raise YAMLTooLarge(problem="values are nested too deeply", problem_mark=node.start_mark)
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise YAMLTooLarge(
                problem="an alias refers to the value that contains it", problem_mark=node.start_mark
            )
        open_nodes.add(key)
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            children = []
        total = 1
        for child in children:
            total += size(child, depth + 1)
            if total > MAX_YAML_NODES:
                raise YAMLTooLarge(
                    problem=f"it holds more than {MAX_YAML_NODES:,} values (each use of an alias counted)",
                    problem_mark=child.start_mark,
                )
        open_nodes.discard(key)
        sizes[key] = total
        return total

    size(root)


def read_session(folder: Path, problems: Problems) -> SessionMeta | None:
    """Read ``folder/session.yaml``; every problem goes to ``problems`` with its line."""
    path = folder / SESSION_FILE
    where = Location(str(path))
    if path.is_symlink() and not path.resolve().is_relative_to(folder.resolve()):
        # Whatever it points to must not be read: not even an id parsed from it may be printed.
        problems.error(where, f"is a link to a file outside the session folder; refused ({COPY_IT})")
        return None
    if not path.is_file():
        problems.error(
            Location(str(folder)), f"no {SESSION_FILE} in this session folder (run 'outcomes init')"
        )
        return None
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_SESSION_BYTES + 1)
    except OSError as exc:
        problems.error(where, f"cannot be read ({exc.strerror or exc})")
        return None
    if len(raw) > MAX_SESSION_BYTES:
        problems.error(where, f"{SESSION_FILE} is larger than {MAX_SESSION_BYTES // 1024} KB")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.error(
            Location(str(path), line),
            f"is not UTF-8 text (byte {exc.start} cannot be read); save it as UTF-8",
        )
        return None
    try:
        data = load_yaml(text, _LineLoader)
    except DuplicateKey as exc:
        problems.error(Location(str(path), exc.problem_mark.line + 1), str(exc.problem))
        return None
    except yaml.MarkedYAMLError as exc:
        line, message = _syntax_error(text, exc)
        problems.error(Location(str(path), line), f"invalid YAML: {message}")
        return None
    except yaml.YAMLError as exc:
        problems.error(where, f"invalid YAML: {exc}")
        return None
    if data is None:
        data = {"__lines__": {}, "__line__": 1}
    if not isinstance(data, dict):
        problems.error(Location(str(path), 1), "must be a mapping of keys such as 'title:' and 'people:'")
        return None
    return _validate(data, folder, path, problems)


def _syntax_error(text: str, exc: yaml.MarkedYAMLError) -> tuple[int | None, str]:
    """Where a YAML syntax error was caused, and what it is: not only where the parser gave up.

    An unclosed quote runs on until the next quote, often many lines down, where the parser stops:
    the line to show is the one the quote opens on.
    """
    problem = str(exc.problem or exc.context)
    if "maximum nesting depth" in problem:  # libyaml's own limit
        problem = "values are nested too deeply"
    at = exc.problem_mark.line + 1 if exc.problem_mark else None
    context = exc.context_mark.line + 1 if exc.context_mark else None
    if exc.context and exc.context.startswith("while scanning") and context is not None:
        return context, f"{exc.context} that starts here: {problem} (line {at})"
    opened = _runaway_quote(text, at)
    if opened is not None and opened != at:
        return (
            opened,
            f"the quoted value that starts here runs on to line {at}: is its closing quote missing? "
            f"({problem})",
        )
    if exc.context and context is not None and context != at:
        return at, f"{problem} ({exc.context} from line {context})"
    return at, problem


def _runaway_quote(text: str, before: int | None) -> int | None:
    """The line of the last quoted value that spans lines and ends by line ``before``, if any."""
    opened = None
    try:
        for token in yaml.scan(text, Loader=_SafeLoader):
            end = token.end_mark.line + 1
            if before is not None and end > before:
                break
            if (
                isinstance(token, yaml.ScalarToken)
                and token.style in ('"', "'")
                and token.start_mark.line != token.end_mark.line
            ):
                opened = token.start_mark.line + 1
    except yaml.YAMLError:
        pass  # the scan stops where the parse did
    return opened


def _validate(data: dict, folder: Path, path: Path, problems: Problems) -> SessionMeta | None:
    lines: dict[str, int] = data.pop("__lines__")
    data.pop("__line__", None)
    before = len(problems.errors)

    def at(key: str) -> Location:
        return Location(str(path), lines.get(key))

    fields = SessionMeta.model_fields
    values: dict[str, Any] = {"id": folder.resolve().name}
    if data.get("id") is None and not _SAFE_ID.fullmatch(values["id"]):
        # The folder's name is the id unless one is given: it names the output folder just the same.
        problems.error(
            Location(str(path)),
            f"the folder name '{values['id'][:80]}' cannot be the session id (it names the output "
            "folder): give an 'id:' of letters, digits, '.', '-' or '_', or rename the folder",
        )
    for key, value in data.items():
        if key not in fields:
            problems.warn(at(key), f"unknown key '{key}' is ignored (known keys: {', '.join(fields)})")
            continue
        if value is None:
            continue
        value = _clean(value, at(key), problems, path)
        checked = _check_field(key, value, at(key), problems, path)
        if checked is not None:
            values[key] = checked
    if len(problems.errors) > before:
        return None
    return SessionMeta(**values)


def _clean(value: Any, where: Location, problems: Problems, path: Path) -> Any:
    """Remove characters no document can hold from every text of a value, warning where they were."""
    if isinstance(value, str):
        text, changed = clean_text(value)
        if changed:
            codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in value} - {f"U+{ord(c):04X}" for c in text}))
            problems.warn(where, f"removed characters no document can hold ({codes})")
        return text
    if isinstance(value, list):
        return [_clean(item, where, problems, path) for item in value]
    if isinstance(value, dict):
        lines = value.get("__lines__", {})
        return {
            key: item
            if key in ("__lines__", "__line__")
            else _clean(item, Location(str(path), lines.get(key, where.line)), problems, path)
            for key, item in value.items()
        }
    return value


MAX_CHARS = {
    "id": 100,
    "event": 200,
    "code": 100,
    "title": 500,
    "format": 100,
    "subtheme": 500,
    "policy_questions": 1000,
    "name": 200,
    "affiliation": 300,
    "gender": 100,
}
"""Longest text of each session.yaml field, in characters (titles head every page of the documents)."""


def _too_long(key: str, text: str, where: Location, problems: Problems) -> bool:
    if len(text) <= MAX_CHARS[key]:
        return False
    problems.error(where, f"'{key}' is {len(text):,} characters long; the limit is {MAX_CHARS[key]:,}")
    return True


def _text(value: Any) -> str | None:
    if isinstance(value, str | int | float | dt.date) and not isinstance(value, bool):
        return str(value).strip()
    return None


def _check_field(key: str, value: Any, where: Location, problems: Problems, path: Path) -> Any:
    if key in ("event", "code", "title", "format", "subtheme", "id"):
        text = _text(value)
        if text is None:
            problems.error(where, f"'{key}' must be text")
        elif _too_long(key, text, where, problems):
            return None
        elif key == "id" and not _SAFE_ID.fullmatch(text):
            # The id names the output folder: it must not reach outside --out ("../x", "/etc").
            problems.error(
                where,
                f"id '{text[:80]}' must be letters, digits, '.', '-' or '_' (it names the output folder)",
            )
            return None
        return text
    if key in ("date", "deadline"):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            problems.error(where, f"'{key}' must be a date written YYYY-MM-DD, not '{value}'")
            return None
    if key == "duration_minutes":
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 24 * 60:
            return value
        problems.error(where, f"'duration_minutes' must be a whole number of minutes, not '{value}'")
        return None
    if key == "language":
        code = str(value).strip().lower()
        if code not in LANGUAGES:
            problems.error(where, f"language '{value}' is not one of {', '.join(LANGUAGES)}")
            return None
        return code
    if key == "documents":
        return _check_documents(value, where, problems)
    if key == "sdgs":
        items = value if isinstance(value, list) else [value]
        out = []
        for item in items:
            if isinstance(item, int) and not isinstance(item, bool) and 1 <= item <= 17:
                out.append(item)
            else:
                problems.error(where, f"SDG '{item}' must be a number from 1 to 17")
        return sorted(set(out))
    if key == "policy_questions":
        items = value if isinstance(value, list) else [value]
        out = [_text(q) for q in items]
        if any(q is None for q in out):
            problems.error(where, "'policy_questions' must be a list of questions (text)")
            return None
        if any(_too_long(key, q, where, problems) for q in out):
            return None
        return [q for q in out if q]
    if key == "people":
        return _check_people(value, where, problems, path)
    if key == "participation":
        return _check_participation(value, where, problems, path)
    return value


def _check_documents(value: Any, where: Location, problems: Problems) -> list[str] | None:
    from outcomes.render.templates import DOCUMENT_TYPES

    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        name = str(item).strip()
        if name not in DOCUMENT_TYPES:
            problems.error(where, f"document type '{name}' is not known; use {', '.join(DOCUMENT_TYPES)}")
        else:
            out.append(name)
    return list(dict.fromkeys(out)) or None


def _check_people(value: Any, where: Location, problems: Problems, path: Path) -> list[Person] | None:
    if not isinstance(value, list):
        problems.error(where, "'people' must be a list of entries with name, role, stakeholder, region")
        return None
    people = []
    roles = ", ".join(r.value for r in Role)
    for entry in value:
        if not isinstance(entry, dict):
            problems.error(where, f"each person must be a mapping with 'name:', not '{entry}'")
            continue
        lines = entry.pop("__lines__", {})
        line = entry.pop("__line__", where.line)

        def at(key: str, lines=lines, line=line) -> Location:
            return Location(str(path), lines.get(key, line))

        for key in entry:
            if key not in PERSON_KEYS:
                problems.warn(at(key), f"unknown key '{key}' for a person is ignored")
        name = _text(entry.get("name"))
        if not name:
            problems.error(Location(str(path), line), "a person has no 'name'")
            continue
        if any(
            _too_long(k, _text(entry.get(k)) or "", at(k), problems)
            for k in ("name", "affiliation", "gender")
        ):
            continue
        role_text = str(entry.get("role") or "speaker").strip().lower().replace(" ", "_").replace("-", "_")
        if role_text not in {r.value for r in Role}:
            problems.error(at("role"), f"role '{entry.get('role')}' of {name} is not one of {roles}")
            continue
        person = Person(name=name, role=Role(role_text))
        if entry.get("stakeholder"):
            label = catalog.match_stakeholder(str(entry["stakeholder"]))
            if label is None:
                known = ", ".join(g.label for g in catalog.stakeholder_groups())
                problems.error(
                    at("stakeholder"),
                    f"stakeholder group '{entry['stakeholder']}' of {name} is not an IGF group; use {known}",
                )
            person.stakeholder = label
        if entry.get("region"):
            label = catalog.match_region(str(entry["region"]))
            if label is None:
                known = ", ".join(g.label for g in catalog.regional_groups())
                problems.error(
                    at("region"),
                    f"regional group '{entry['region']}' of {name} is not an IGF group; use {known}",
                )
            person.region = label
        for key in ("gender", "affiliation"):
            if entry.get(key) is not None:
                setattr(person, key, _text(entry[key]))
        people.append(person)
    return people


MAX_PARTICIPANTS = 1_000_000
"""Largest estimate accepted (the IGF's biggest sessions have a few thousand participants)."""
PARTICIPATION_COUNTS = ("onsite", "online", "women_onsite", "women_online")
PARTICIPATION_KEYS = (*PARTICIPATION_COUNTS, "gender_discussed", "gender_discussion")


def _check_participation(value: Any, where: Location, problems: Problems, path: Path) -> Participation | None:
    """The optional participation block: whole-number estimates, women at most the total, yes/no."""
    if not isinstance(value, dict):
        problems.error(where, f"'participation' must be a mapping of {', '.join(PARTICIPATION_KEYS)}")
        return None
    lines = value.pop("__lines__", {})
    value.pop("__line__", None)

    def at(key: str) -> Location:
        return Location(str(path), lines.get(key, where.line))

    fields: dict[str, Any] = {}
    for key, item in value.items():
        if key not in PARTICIPATION_KEYS:
            problems.warn(
                at(key),
                f"unknown key '{key}' in participation is ignored (known: {', '.join(PARTICIPATION_KEYS)})",
            )
        elif item is None or item == "":
            continue  # left blank, as the scaffold writes it
        elif key in PARTICIPATION_COUNTS:
            if isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= MAX_PARTICIPANTS:
                fields[key] = item
            else:
                problems.error(
                    at(key),
                    f"participation '{key}' must be a whole number of people (such as 40), not '{item}'",
                )
        elif key == "gender_discussed":
            if isinstance(item, bool):
                fields[key] = item
            else:
                problems.error(at(key), f"participation 'gender_discussed' must be yes or no, not '{item}'")
        else:
            text = _text(item)
            if text is None:
                problems.error(at(key), "participation 'gender_discussion' must be text")
            else:
                fields[key] = text
    for women, total in (("women_onsite", "onsite"), ("women_online", "online")):
        if women in fields and total in fields and fields[women] > fields[total]:
            problems.error(
                at(women),
                f"participation '{women}' ({fields[women]}) is more than '{total}' ({fields[total]})",
            )
            fields.pop(women)
    if fields.get("gender_discussion") and "gender_discussed" not in fields:
        fields["gender_discussed"] = True
    return Participation(**fields) if fields else None
