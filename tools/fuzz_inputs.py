"""Mutate real inputs and look for what the readers do not answer with a located error.

    .venv/bin/python tools/fuzz_inputs.py [--seed N] [--checks N] [--builds N] [--keep DIR]

Each round copies the README's example session (``inputs/igf2025-ws106``), replaces one of its
inputs (``--checks``: ``outcomes check``'s reading only) or one to three (``--builds``: a whole build
to PDF, DOCX, HTML and text, in this process) with a mutated copy of a fixture or example file (a
note, a poll, a worksheet or a session.yaml), and flags:

- ``EXC``: an exception that is not an :class:`outcomes.errors.OutcomesError` (a traceback for a user);
- ``INTERNAL``: a problem or error that says "internal error";
- ``SLOW``: a check over 5 s or a build over 30 s;
- ``PARTS``: a built session that left staged ``.part`` files behind.

Flagged session folders are copied under ``--keep`` (default: a temporary folder, printed) to be
turned into cases of ``tests/hostile/cases.yaml``. The mutations: truncation, flipped bytes, inserted
junk, a repeated chunk, shuffled lines, a long run of one thing the readers look for (a dash, a
bracket, a numeral, a tag: what makes a pattern backtrack), and payload characters (a BOM, CR, NUL,
template code, ``<script>``, front-matter fences, line separators, terminal escapes). The same seed
gives the same mutations. Not a test: it asserts nothing and `make test` does not run it; what it
found is in the hostile corpus.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from outcomes import build as lib
from outcomes.errors import OutcomesError

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "inputs" / "igf2025-ws106"
SUFFIXES = (".docx", ".odt", ".md", ".txt", ".csv", ".xlsx")
PAYLOADS = (
    b"\xef\xbb\xbf", b"\r", b"\t", b";", b",", b'"', b"\x00", b"{{ 7*7 }}", b"<script>", b"---\n",
    b"# ", b"- ", b"\xe2\x80\xa8", b"\x1b[31m",
)  # fmt: skip
# What the readers' patterns look for, to repeat in a long run: a pattern that lets each copy scan the
# rest of the text costs the run's length squared (SLOW).
RUNS = (
    b" -", b"(", b"[", b"a.", "一".encode(), b" ", b"<h2 ", b"<svg", b"[^a", b"By ", b"1", b"a@", b"**",
    b"\n", b"> ", b"|", b"`", b"_", b"\\", b"&", b"#", b"C1 ", b"http://",
)  # fmt: skip
CHECK_SLOW_S, BUILD_SLOW_S = 5.0, 30.0


def sources() -> list[Path]:
    """Every fixture and example input a mutation can start from."""
    found = [p for p in (ROOT / "tests" / "fixtures").rglob("*") if p.is_file() and p.suffix in SUFFIXES]
    found += [p for p in (ROOT / "inputs").rglob("*") if p.is_file() and p.suffix in (*SUFFIXES, ".yaml")]
    return sorted(found)


def mutate(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return b"\x00"
    kind = rng.randrange(7)
    if kind == 0:  # truncated
        return data[: rng.randrange(len(data))]
    if kind == 1:  # flipped bytes
        flipped = bytearray(data)
        for _ in range(rng.randrange(1, 20)):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        return bytes(flipped)
    if kind == 2:  # junk inserted
        i = rng.randrange(len(data))
        return data[:i] + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 50))) + data[i:]
    if kind == 3:  # a chunk repeated
        i = rng.randrange(len(data))
        j = min(len(data), i + rng.randrange(1, 2000))
        return data[:j] + data[i:j] * rng.randrange(1, 50) + data[j:]
    if kind == 4:  # lines shuffled
        lines = data.split(b"\n")
        rng.shuffle(lines)
        return b"\n".join(lines)
    if kind == 5:  # a long run of one thing
        i = rng.randrange(len(data) + 1)
        return data[:i] + rng.choice(RUNS) * rng.randrange(5_000, 40_000) + data[i:]
    payload, changed = rng.choice(PAYLOADS), bytearray(data)
    for _ in range(rng.randrange(1, 10)):
        i = rng.randrange(len(changed) + 1)
        changed[i:i] = payload
    return bytes(changed)


def place(folder: Path, source: Path, data: bytes) -> str:
    """Write ``data`` where a file like ``source`` belongs in a session folder; return its name."""
    if source.suffix == ".yaml":
        name = "session.yaml"
    elif source.suffix == ".csv" or "polls" in source.parts:
        name = f"polls/fuzzed{source.suffix}"
    elif "worksheet" in source.name or source.parent.name == "worksheet":
        name = "worksheet.xlsx"
    elif source.suffix == ".xlsx":
        name = "polls/fuzzed.xlsx"
    else:
        name = f"notes/fuzzed{source.suffix}"
    (folder / name).parent.mkdir(exist_ok=True)
    (folder / name).write_bytes(data)
    return name


def fresh(scratch: Path) -> Path:
    folder = scratch / "session"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(BASE, folder)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checks", type=int, default=200, help="rounds of reading one mutated input")
    parser.add_argument("--builds", type=int, default=20, help="rounds of building with 1-3 mutated inputs")
    parser.add_argument("--keep", type=Path, help="where flagged session folders are copied")
    args = parser.parse_args(argv)
    rng, pool = random.Random(args.seed), sources()
    keep = args.keep or Path(tempfile.mkdtemp(prefix="fuzz-kept-"))
    flagged = 0

    def flag(kind: str, index: int, folder: Path, detail: str) -> None:
        nonlocal flagged
        flagged += 1
        shutil.copytree(folder, keep / f"{kind.lower()}-{index}", dirs_exist_ok=True)
        print(f"{kind} {index}: {detail}", flush=True)

    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        scratch = Path(tmp)
        for i in range(args.checks):
            folder = fresh(scratch)
            source = rng.choice(pool)
            name = place(folder, source, mutate(rng, source.read_bytes()))
            started = time.perf_counter()
            try:
                problems, _outlines = lib.check_outlines(folder)
                internal = [str(p) for p in problems.items if "internal error" in str(p)]
                if internal:
                    flag("INTERNAL", i, folder, f"{source.name} as {name}: {internal[0][:300]}")
            except OutcomesError:
                pass
            except Exception as exc:  # noqa: BLE001 - what this tool looks for
                flag("EXC", i, folder, f"{source.name} as {name}: {type(exc).__name__}: {str(exc)[:200]}")
                traceback.print_exc(limit=3)
            if (took := time.perf_counter() - started) > CHECK_SLOW_S:
                flag("SLOW", i, folder, f"{source.name} as {name}: {took:.1f} s")
        for i in range(args.builds):
            folder, out = fresh(scratch), scratch / "out"
            shutil.rmtree(out, ignore_errors=True)
            picked = rng.sample(pool, rng.randrange(1, 4))
            names = [place(folder, s, mutate(rng, s.read_bytes())) for s in picked]
            options = lib.BuildOptions(out=out, formats=("pdf", "docx", "html", "txt"), force=True)
            started = time.perf_counter()
            try:
                result = lib.build_session(folder, options)
                internal = [e for e in result.errors if "internal error" in e]
                if internal:
                    flag("INTERNAL", i, folder, f"{', '.join(names)}: {internal[0][:300]}")
                if result.status == "built" and (left := list((out / result.session).rglob("*.part"))):
                    flag("PARTS", i, folder, ", ".join(map(str, left)))
                first = f": {result.errors[0][:200]}" if result.errors else ""
                print(f"build {i}: {result.status} ({', '.join(names)}){first}", flush=True)
            except Exception as exc:  # noqa: BLE001 - an OutcomesError here is a defect too
                flag("EXC", i, folder, f"{', '.join(names)}: {type(exc).__name__}: {str(exc)[:200]}")
                traceback.print_exc(limit=4)
            if (took := time.perf_counter() - started) > BUILD_SLOW_S:
                flag("SLOW", i, folder, f"{', '.join(names)}: {took:.1f} s")
    print(f"{args.checks} checks, {args.builds} builds, {flagged} flagged (kept in {keep})")
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
