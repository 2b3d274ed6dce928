"""Exceptions and located problems.

Every input problem is a :class:`Problem` carrying where it was found (``path:line`` or
``path!Sheet!B7``). Readers collect problems into a :class:`Problems` list instead of stopping at
the first, and the CLI prints them all. Exceptions derive from :class:`OutcomesError`, which the CLI
prints without a traceback. Input errors are never retried; a :class:`RenderError` may be.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from enum import Enum

ZIP_DAMAGE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    RuntimeError,
    EOFError,
    ValueError,
    zlib.error,
    OSError,
)
"""What zipfile raises for a damaged package (Word, ODT and Excel files), once the file itself has
been read: RuntimeError (NotImplementedError) for encrypted parts or unknown versions and methods,
OSError (EINVAL) for a seek to where a damaged directory points, before the file's start."""

# C0 and C1 controls, DEL, line and paragraph separators and the bidirectional controls: a file name
# or a quoted text holding one could clear the screen, hide text or forge a line of output.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def printable(text: str) -> str:
    """Text from a session as it may be printed or logged: controls and bidi overrides escaped (``\\x1b``)."""
    return _UNPRINTABLE.sub(_escaped, text)


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Location:
    """Where something is in the inputs: a file, and a line or a sheet cell or row."""

    path: str
    line: int | None = None
    sheet: str | None = None
    cell: str | None = None

    def __str__(self) -> str:
        if self.sheet is not None:
            return f"{self.path}!{self.sheet}" + (f"!{self.cell}" if self.cell else "")
        if self.line is not None:
            return f"{self.path}:{self.line}"
        return self.path


@dataclass(frozen=True)
class Problem:
    """One input problem, located."""

    location: Location
    message: str
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        tag = "" if self.is_error else "warning: "
        return printable(f"{self.location}: {tag}{self.message}")


@dataclass
class Problems:
    """Problems collected in one pass over the inputs."""

    items: list[Problem] = field(default_factory=list)

    def error(self, location: Location, message: str) -> None:
        self.items.append(Problem(location, message, Severity.ERROR))

    def warn(self, location: Location, message: str) -> None:
        self.items.append(Problem(location, message, Severity.WARNING))

    def extend(self, other: Problems | list[Problem]) -> None:
        self.items.extend(other.items if isinstance(other, Problems) else other)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if not p.is_error]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise InputError(self.errors)


class OutcomesError(Exception):
    """Base of every error the CLI reports cleanly, without a traceback."""

    retryable = False


class InputError(OutcomesError):
    """The inputs of a session are wrong; retrying cannot help."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, location: Location, message: str) -> InputError:
        return cls(Problem(location, message))


class TemplateError(OutcomesError):
    """An editor's template is broken; reported with the template file and line."""

    def __init__(self, template: str, line: int | None, message: str, *, timed_out: bool = False):
        self.location = Location(template, line)
        self.message = message
        self.timed_out = timed_out  # the template passed its time limit
        super().__init__(f"{self.location}: {message}")

    def __reduce__(self):
        # Rebuilt from the fields, not from args; timed_out as state.
        return (type(self), (self.location.path, self.location.line, self.message), self.__dict__)


class RenderError(OutcomesError):
    """A document could not be rendered. A crashed renderer may pass a second try (``retryable``);
    a time limit passed (``timed_out``) or a renderer's own error comes back the same on every try, so
    is not retried."""

    def __init__(self, message: str, *, retryable: bool = True, timed_out: bool = False):
        super().__init__(message)
        self.retryable = retryable
        self.timed_out = timed_out

    def __reduce__(self):
        return (type(self), self.args, self.__dict__)


class UsageError(OutcomesError):
    """The command line is wrong (exit 2)."""
