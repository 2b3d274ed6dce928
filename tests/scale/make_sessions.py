"""Generate many session folders from the examples in ``inputs/``: copies with new ids.

    .venv/bin/python tests/scale/make_sessions.py DEST N [--deadline-from YYYY-MM-DD] [--documents a,b]

Copy ``k`` of example ``igf2025-ws106`` becomes ``DEST/igf2025-ws106-k`` with ``id: igf2025-ws106-k``
in its session.yaml. With ``--deadline-from``, deadlines are spread one day apart from that date, so
that a deadline sweep has sessions on either side of its window.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "inputs"


def make_sessions(
    dest: Path,
    n: int,
    deadline_from: dt.date | None = None,
    examples: Path = EXAMPLES,
    documents: list[str] | None = None,
) -> list[Path]:
    """Write ``n`` session folders into ``dest`` (round-robin over the examples); return them sorted."""
    sources = sorted(p for p in examples.iterdir() if (p / "session.yaml").is_file())
    dest.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(n):
        src = sources[i % len(sources)]
        sid = f"{src.name}-{i // len(sources) + 1:03d}"
        target = dest / sid
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(src, target)
        text = (target / "session.yaml").read_text("utf-8")
        text = re.sub(r"(?m)^id:.*$", f"id: {sid}", text)
        if deadline_from is not None:
            deadline = deadline_from + dt.timedelta(days=i)
            text = re.sub(r"(?m)^deadline:.*$", f"deadline: {deadline.isoformat()}", text)
        if documents:
            text = re.sub(r"(?m)^documents:.*$", f"documents: [{', '.join(documents)}]", text)
        (target / "session.yaml").write_text(text, "utf-8")
        made.append(target)
    return sorted(made)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--deadline-from", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--documents", help="comma-separated document types (default: as in the examples)")
    args = parser.parse_args()
    documents = args.documents.split(",") if args.documents else None
    for path in make_sessions(args.dest, args.n, args.deadline_from, documents=documents):
        print(path)


if __name__ == "__main__":
    main()
