"""session.yaml: read, validate, and report every problem with its key and line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from outcomes import catalog
from outcomes.errors import Location, Problems
from outcomes.model import Person, Role, SessionMeta

SESSION_FILE = "session.yaml"
MAX_SESSION_BYTES = 1024 * 1024
LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")
PERSON_KEYS = {"name", "role", "stakeholder", "region", "gender", "affiliation"}


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping key and sequence item."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    lines = {}
    for key_node, _value in node.value:
        lines[loader.construct_object(key_node, deep=True)] = key_node.start_mark.line + 1
    mapping["__lines__"] = lines
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_session(folder: Path, problems: Problems) -> SessionMeta | None:
    """Read ``folder/session.yaml``; every problem goes to ``problems`` with its line."""
    path = folder / SESSION_FILE
    where = Location(str(path))
    if not path.is_file():
        problems.error(
            Location(str(folder)), f"no {SESSION_FILE} in this session folder (run 'outcomes init')"
        )
        return None
    if path.stat().st_size > MAX_SESSION_BYTES:
        problems.error(where, f"{SESSION_FILE} is larger than {MAX_SESSION_BYTES // 1024} KB")
        return None
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.error(where, f"is not UTF-8 text (byte {exc.start} cannot be read)")
        return None
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problems.error(Location(str(path), line), f"invalid YAML: {exc.problem or exc.context}")
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


def _validate(data: dict, folder: Path, path: Path, problems: Problems) -> SessionMeta | None:
    lines: dict[str, int] = data.pop("__lines__")
    data.pop("__line__", None)
    before = len(problems.errors)

    def at(key: str) -> Location:
        return Location(str(path), lines.get(key))

    fields = SessionMeta.model_fields
    values: dict[str, Any] = {"id": folder.resolve().name}
    for key, value in data.items():
        if key not in fields:
            problems.warn(at(key), f"unknown key '{key}' is ignored (known keys: {', '.join(fields)})")
            continue
        if value is None:
            continue
        checked = _check_field(key, value, at(key), problems, path)
        if checked is not None:
            values[key] = checked
    if len(problems.errors) > before:
        return None
    return SessionMeta(**values)


def _text(value: Any) -> str | None:
    if isinstance(value, str | int | float | dt.date) and not isinstance(value, bool):
        return str(value).strip()
    return None


def _check_field(key: str, value: Any, where: Location, problems: Problems, path: Path) -> Any:
    if key in ("event", "code", "title", "format", "subtheme", "id"):
        text = _text(value)
        if text is None:
            problems.error(where, f"'{key}' must be text")
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
        return [q for q in out if q]
    if key == "people":
        return _check_people(value, where, problems, path)
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
