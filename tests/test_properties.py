"""Property-based tests of the readers: any text or bytes in, a result or a located error out.

Whatever a rapporteur pastes or a poll tool exports, a reader returns a note or poll, or records at
least one error that names the file; it never raises. Problems that name a line name one that exists.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outcomes.errors import Problems
from outcomes.ingest.notes import read_note
from outcomes.ingest.polls import read_poll
from outcomes.ingest.worksheet import read_worksheet
from outcomes.session import read_session

# OUTCOMES_FUZZ=2000 runs many more examples, for a longer hunt than the test suite's.
EXAMPLES = int(os.environ.get("OUTCOMES_FUZZ", "100"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# Text that looks like notes: headings, labels, bullets, markup and HTML, mixed with anything at all.
NOTE_PIECES = st.sampled_from(
    [
        "# ",
        "## ",
        "### ",
        "1. ",
        "- ",
        "* ",
        "• ",
        "> ",
        "    ",
        "\n",
        "\n\n",
        ":",
        "**",
        "__",
        "`",
        "```",
        "Executive summary",
        "Key takeaways:",
        "Recommended actions",
        "Conclusion",
        "Key themes",
        "Summary",
        "WSIS alignment: C2, C6 (x)",
        "WSIS: С7",
        "Rapporteur: A",
        "Channel: online",
        "Channel: fax",
        "Group: 1",
        "---",
        "...",
        "title: x",
        "channel: [",
        "&a",
        "*a",
        "<script>",
        "</script>",
        "<!--",
        "{{ 7*7 }}",
        "{% if %}",
        "[x](http://127.0.0.1/)",
        "![i](file:///etc/passwd)",
        "|a|b|\n|-|-|",
        "Action lines",
        "WSIS action-line summary table",
        "Theme",
        "\t",
        "\r\n",
        "\x00",
        "\ufeff",
        "é",
        "東",
    ]
)
NOTE_TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(NOTE_PIECES, st.text(max_size=12)), max_size=40).map("".join),
)

# Bytes that look like poll exports: known header rows, separators, quotes, encodings, and noise.
POLL_LINES = st.sampled_from(
    [
        "#,User Name,User Email,Submitted Date/Time,",
        "#,User Name,User Email,Submitted Date/Time,Q1?,Q2?",
        "1,Ana,ana@example.org,2024-12-17 09:41,Q1?,Yes,Q2?,No;Maybe",
        "2,Bo,bo@example.org,2024-12-17 09:42,Yes,No",
        "Timestamp,Email Address,Which layer?",
        "Timestamp;Which layer?",
        "2024/06/24 10:00:01,a@b.c,DNS",
        "2024/06/24 10:00:02;Hosting, CDN",
        "ID,Start time,Completion time,Email,Name,Which layer?",
        "1,2024-06-24,2024-06-24,a@b.c,Ana,DNS;CDN",
        "Question,Option,Votes",
        "Which layer?,DNS,12",
        ",Hosting,=SUM(A1)",
        ",CDN,40%",
        '"unclosed',
        '"a ""quoted"" cell",x',
        "",
        ",,,,",
    ]
)


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace") if encoding != "utf-8-sig" else text.encode("utf-8-sig")


POLL_BYTES = st.one_of(
    st.binary(max_size=2000),
    st.builds(
        _encode,
        st.lists(st.one_of(POLL_LINES, st.text(max_size=20)), max_size=30).map(
            lambda lines: "\r\n".join(lines)
        ),
        st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]),
    ),
)


def check_result(result, problems: Problems, path: Path, text_lines: int | None = None) -> None:
    """The contract of every reader: a result, or an error naming the file; lines that exist."""
    if result is None:
        assert problems.errors, "no result and no error"
    for problem in problems.items:
        assert problem.location.path == str(path), problem
        assert problem.message.strip(), problem
        if problem.location.line is not None:
            assert problem.location.line >= 1, problem
            if text_lines is not None:
                assert problem.location.line <= text_lines + 1, problem


@SETTINGS
@given(text=NOTE_TEXT)
def test_read_note_markdown_never_raises(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "note.md"
        path.write_bytes(text.encode("utf-8"))
        problems = Problems()
        note = read_note(path, "notes/note.md", problems)
        check_result(note, problems, path, text.count("\n") + text.count("\r") + 1)
        if note is not None and not problems.errors:
            # Issue 15: a note of plain prose is read as the discussion narrative.
            assert (
                note.summary
                or note.themes
                or note.takeaways
                or note.actions
                or note.conclusion
                or note.narrative
            )


@SETTINGS
@given(text=NOTE_TEXT)
def test_read_note_plain_text_never_raises(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "note.txt"
        path.write_bytes(text.encode("utf-8"))
        problems = Problems()
        note = read_note(path, "notes/note.txt", problems)
        check_result(note, problems, path, text.count("\n") + text.count("\r") + 1)


@SETTINGS
@given(data=st.binary(max_size=3000))
def test_read_note_any_bytes_never_raises(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "note.md"
        path.write_bytes(data)
        problems = Problems()
        check_result(read_note(path, "notes/note.md", problems), problems, path)


@SETTINGS
@given(data=POLL_BYTES)
def test_read_poll_csv_any_bytes_never_raises(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "poll.csv"
        path.write_bytes(data)
        problems = Problems()
        poll = read_poll(path, "polls/poll.csv", problems)
        check_result(poll, problems, path)
        if poll is not None:
            for question in poll.questions:
                assert "@" not in question.question or "[e-mail removed]" in question.question


def _valid_workbook() -> bytes:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_corpus", Path(__file__).parent / "hostile" / "make_corpus.py"
    )
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    return corpus.xlsx(
        {"Themes": corpus.sheet_xml(corpus.GOOD_THEMES), "Results": corpus.sheet_xml(corpus.COUNTED)}
    )


WORKBOOK = _valid_workbook()


@settings(max_examples=max(60, EXAMPLES // 2), deadline=None)
@given(
    edits=st.lists(st.tuples(st.integers(0, len(WORKBOOK) - 1), st.integers(0, 255)), max_size=8),
    cut=st.one_of(st.none(), st.integers(0, len(WORKBOOK))),
)
def test_damaged_workbooks_never_raise(edits, cut):
    """A workbook with bytes changed or cut off: as a worksheet and as a poll, a result or an error."""
    data = bytearray(WORKBOOK)
    for offset, value in edits:
        data[offset] = value
    data = bytes(data[:cut] if cut is not None else data)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "worksheet.xlsx"
        path.write_bytes(data)
        problems = Problems()
        check_result(read_worksheet(path, "worksheet.xlsx", problems), problems, path)
        problems = Problems()
        check_result(read_poll(path, "polls/worksheet.xlsx", problems), problems, path)


@SETTINGS
@given(
    text=st.one_of(
        st.text(),
        st.lists(
            st.sampled_from(
                [
                    "title: x\n",
                    "people:\n",
                    "  - name: A\n",
                    "    role: x\n",
                    "    region: WEOG\n",
                    "id: ../x\n",
                    "language: tlh\n",
                    "sdgs: [1, 99]\n",
                    "date: 2025-13-40\n",
                    "&a [*a]\n",
                    "*b\n",
                    "!!python/name:os\n",
                    "documents: session_report\n",
                    "? [a]\n: b\n",
                    "\t",
                    "{",
                    "[",
                    "'",
                    '"',
                    "duration_minutes: -1\n",
                ]
            ),
            max_size=20,
        ).map("".join),
    )
)
def test_read_session_any_text_never_raises(text):
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "session.yaml").write_bytes(text.encode("utf-8"))
        problems = Problems()
        session = read_session(Path(folder), problems)
        check_result(session, problems, Path(folder) / "session.yaml")


# ---- merging -----------------------------------------------------------------------------------------

STATEMENT_WORDS = st.sampled_from(
    "operators governments should must deploy fund train routing security data open capacity regions "
    "the in for and not regulated deregulated centralised decentralised Africa Asia 100 1000 youth women "
    "IGF RPKI local languages trust resilient Internet".split()
)
STATEMENTS = st.lists(st.lists(STATEMENT_WORDS, min_size=1, max_size=8).map(" ".join), min_size=1, max_size=8)


@settings(max_examples=max(20, EXAMPLES // 5), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=STATEMENTS, second=STATEMENTS)
def test_merging_keeps_every_source_and_only_texts_it_was_given(first, second):
    from outcomes.merge import merge
    from outcomes.model import Note, SessionMeta, Source, Takeaway

    notes = [
        Note(
            path=path,
            takeaways=[
                Takeaway(text=t, sources=[Source(path=path, line=n + 1)]) for n, t in enumerate(texts)
            ],
        )
        for path, texts in (("notes/a.md", first), ("notes/b.md", second))
    ]
    problems = Problems()
    report = merge(SessionMeta(id="s"), notes, None, [], problems)
    given_sources = {str(t.sources[0]) for n in notes for t in n.takeaways}
    kept_sources = [str(s) for t in report.takeaways for s in t.sources]
    assert sorted(kept_sources) == sorted(given_sources)  # each source kept exactly once
    assert {t.text for t in report.takeaways} <= set(first) | set(second)
    # Every merge of texts that differ is recorded, and warned about.
    changed = [m for m in report.merges if m.rule in ("wording", "meaning")]
    assert len([w for w in problems.warnings if "merged into" in w.message]) >= len(changed)


@settings(max_examples=max(20, EXAMPLES // 5), deadline=None)
@given(
    words=st.lists(STATEMENT_WORDS, min_size=2, max_size=8),
    a=st.integers(0, 10**6),
    b=st.integers(0, 10**6),
    place=st.integers(0, 8),
)
def test_texts_that_differ_by_a_number_are_never_merged(words, a, b, place):
    from outcomes.merge import merge
    from outcomes.model import Note, SessionMeta, Takeaway

    if a == b:
        return
    place = min(place, len(words))
    texts = [" ".join([*words[:place], str(n), *words[place:]]) for n in (a, b)]
    note = Note(path="notes/a.md", takeaways=[Takeaway(text=t) for t in texts])
    report = merge(SessionMeta(id="s"), [note], None, [], Problems())
    assert [t.text for t in report.takeaways] == texts
