"""Catalogs kept as data files: WSIS action lines, IGF stakeholder and regional groups."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import yaml

# An aside in parentheses, and one in any bracket: "C6 (Enabling Environment)", "Name [optional]".
# The innermost of nested ones: a bracket does not reach past the next opening one (else a line of
# unclosed brackets would cost its length squared).
PARENTHETICAL = re.compile(r"\([^()]*\)")
BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|（[^（）]*）")


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Fold case, accents, punctuation and "&" so that labels written differently compare equal."""
    text = unicodedata.normalize("NFKD", text.replace("&", " and "))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


@dataclass(frozen=True)
class ActionLine:
    code: str
    title: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    label: str
    aliases: tuple[str, ...]


SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML has it (faster than the pure-Python one), the same safe subset."""


def parse_yaml(text: str):
    """Parse YAML text with the safe loader (libyaml where available)."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader


def load_data(name: str) -> dict:
    """A YAML data file of the package (``outcomes/data``)."""
    return parse_yaml(resources.files("outcomes.data").joinpath(name).read_text("utf-8"))


@cache
def action_lines() -> tuple[ActionLine, ...]:
    """Every action line and C7 sub-line, in catalog order."""
    lines: list[ActionLine] = []
    for entry in load_data("wsis_action_lines.yaml")["action_lines"]:
        lines.append(ActionLine(entry["code"], entry["title"], tuple(entry.get("aliases", ()))))
        for sub in entry.get("sublines", ()):
            lines.append(ActionLine(sub["code"], sub["title"], tuple(sub.get("aliases", ()))))
    return tuple(lines)


@cache
def _action_lines_by_key() -> dict[str, ActionLine]:
    by_key: dict[str, ActionLine] = {}
    for line in action_lines():
        for name in (line.code, line.title, *line.aliases):
            by_key.setdefault(normalize(name), line)
    return by_key


def action_line(code: str) -> ActionLine | None:
    return _action_lines_by_key().get(normalize(code))


def sort_key(code: str) -> tuple[int, ...]:
    """Order C2 before C10 and C7 before C7.1."""
    return tuple(int(n) for n in re.findall(r"\d+", code))


# "C2", "C 2", "С2" (Cyrillic Es), "C7.1"; a trailing "(title)" is allowed and ignored.
_CODE = re.compile(r"(?<![\w])[CcСс]\s?(\d{1,2}(?:\.\d)?)(?![\d])")


def parse_action_lines(text: str) -> tuple[list[str], list[str]]:
    """Read action lines from free text: codes first, titles where no code is given.

    Returns the codes found (catalog order, no duplicates) and the fragments that matched nothing.
    """
    codes: list[str] = []
    unknown: list[str] = []
    # Drop parenthesised titles after codes so "C6 (Enabling Environment)" counts once.
    stripped = PARENTHETICAL.sub(" ", text)
    for fragment in re.split(r"[,;/]|\band\b(?=\s+[CcСс]\s?\d)", stripped):
        fragment = fragment.strip(" .:-–—\t")
        if not fragment:
            continue
        found = _CODE.findall(fragment)
        if found:
            for number in found:
                line = action_line("C" + number)
                (codes.append(line.code) if line else unknown.append("C" + number))
            continue
        line = _action_lines_by_key().get(normalize(fragment))
        (codes.append(line.code) if line else unknown.append(fragment))
    unique = list(dict.fromkeys(codes))
    return sorted(unique, key=sort_key), unknown


@cache
def stakeholder_groups() -> tuple[Group, ...]:
    return tuple(
        Group(g["label"], tuple(g["aliases"])) for g in load_data("groups.yaml")["stakeholder_groups"]
    )


@cache
def regional_groups() -> tuple[Group, ...]:
    return tuple(Group(g["label"], tuple(g["aliases"])) for g in load_data("groups.yaml")["regional_groups"])


def _match(groups: tuple[Group, ...], value: str) -> str | None:
    key = normalize(value)
    for group in groups:
        if key in {normalize(n) for n in (group.label, *group.aliases)}:
            return group.label
    return None


def match_stakeholder(value: str) -> str | None:
    """The IGF stakeholder group a value names, or None."""
    return _match(stakeholder_groups(), value)


def match_region(value: str) -> str | None:
    """The IGF regional group a value names, or None."""
    return _match(regional_groups(), value)
