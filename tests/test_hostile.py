"""Hostile and broken input: every case of the corpus in tests/hostile gives what cases.yaml says.

Broken input fails cleanly: a located error (file, and line or sheet!cell when there is a place),
within seconds, never an exception. Hostile content stays inert: built documents hold it as text,
with no active element, nothing read from outside the allowed folders, no request to the network
(a local HTTP server counts every request it gets), nothing embedded in the PDF.

The bulk goes through the library (``outcomes.build.check`` and ``build_session``, no Prefect); a
representative subset goes through the real command line.
"""

from __future__ import annotations

import html.parser
import http.server
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from outcomes import build as lib
from outcomes.ingest import notes as notes_module
from outcomes.render.templates import TemplateSet

HOSTILE = Path(__file__).parent / "hostile"
FILES = HOSTILE / "files"
CASES: dict[str, dict] = yaml.safe_load((HOSTILE / "cases.yaml").read_text("utf-8"))
OUTCOMES = str(Path(sys.executable).parent / "outcomes")
CASE_SECONDS = 20  # generous: every case takes well under 5 s; this only catches a hang
PASSWD = "root:x:0:0"  # the first line of /etc/passwd, which must never reach an output

_spec = importlib.util.spec_from_file_location("make_corpus", HOSTILE / "make_corpus.py")
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)


# --- a local server that must never be called ----------------------------------------------------------


class Tripwire:
    """A local HTTP server that records every request; hostile inputs point their URLs at it."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        tripwire = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                tripwire.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.end_headers()
                self.wfile.write(b"body { color: red }")

            do_POST = do_HEAD = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def tripwire():
    server = Tripwire()
    yield server
    server.close()
    assert server.requests == [], f"the network was reached: {server.requests}"


# --- assembling a case's session --------------------------------------------------------------------------


def _substitute(data: bytes, port: int, marker: Path) -> bytes:
    """Point the corpus's placeholder URLs at the tripwire and its MARKER at a path that must not appear."""
    replace = [(b"127.0.0.1:PORT", f"127.0.0.1:{port}".encode()), (b"MARKER", str(marker).encode())]
    if data.startswith(b"PK\x03\x04") and any(old in _members_text(data) for old, _ in replace):
        parts = corpus.unpack(data)
        for name, content in parts.items():
            for old, new in replace:
                content = content.replace(old, new)
            parts[name] = content
        return corpus.pack(parts)
    for old, new in replace:
        data = data.replace(old, new)
    return data


def _members_text(data: bytes) -> bytes:
    try:
        return b"".join(corpus.unpack(data).values())
    except (zipfile.BadZipFile, ValueError, EOFError, RuntimeError, OSError):
        return b""  # a damaged package is copied as it is


def make_session(name: str, root: Path, port: int) -> Path:
    """The base session with the case's files dropped in (folder name: the case)."""
    case = CASES[name]
    folder = root / name
    folder.mkdir(parents=True)
    keep = case.get("base", ["session", "note"])
    if "session" in keep:
        shutil.copy(HOSTILE / "base" / "session.yaml", folder / "session.yaml")
    if "note" in keep:
        (folder / "notes").mkdir()
        shutil.copy(HOSTILE / "base" / "notes" / "00-base.md", folder / "notes" / "00-base.md")
    for dest, source in (case.get("put") or {}).items():
        target = folder / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        if source.startswith("generate:"):
            getattr(corpus, "generate_" + source.removeprefix("generate:"))(target)
        elif source.startswith("symlink:"):
            target.symlink_to(source.removeprefix("symlink:"))
        else:
            target.write_bytes(_substitute((FILES / source).read_bytes(), port, marker_path(root)))
    return folder


def marker_path(root: Path) -> Path:
    return root / "MARKER-must-not-exist"


def _place(folder: Path, where: str) -> str:
    return f"{folder}:" if where == "." else f"{folder}/{where}"


def _matching_error(errors: list[str], folder: Path, case: dict) -> str | None:
    prefix = _place(folder, case["where"])
    for error in errors:
        if error.startswith(prefix) and case["message"] in error:
            return error
    return None


# --- the corpus, through the library --------------------------------------------------------------------


def test_corpus_has_forty_cases_and_every_file_is_used():
    assert len(CASES) >= 40
    used = {
        src
        for case in CASES.values()
        for src in {**(case.get("put") or {}), **(case.get("templates") or {})}.values()
    }
    files = {p.relative_to(FILES).as_posix() for p in FILES.rglob("*") if p.is_file()}
    assert files - used == set(), "corpus files no case uses"
    missing = {s for s in used if ":" not in s and s not in files}
    assert missing == set(), "cases name files that do not exist (run make_corpus.py)"
    for name, case in CASES.items():
        assert case["exit"] in (0, 1), name
        if case["exit"] == 1:
            assert case.get("where") is not None and case.get("message"), name
    assert all(p.stat().st_size < 200 * 1024 for p in FILES.rglob("*")), "corpus files must stay small"


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if "templates" not in c))
def test_case(name, tmp_path, tripwire, monkeypatch):
    case = CASES[name]
    folder = make_session(name, tmp_path, tripwire.port)
    if case.get("timeout"):
        monkeypatch.setattr(notes_module, "PANDOC_TIMEOUT_S", case["timeout"])
        monkeypatch.setattr(notes_module, "PANDOC_TEXT_TIMEOUT_S", case["timeout"])

    started = time.perf_counter()
    problems = lib.check(folder)
    seconds = time.perf_counter() - started
    assert seconds < CASE_SECONDS, f"{name} took {seconds:.1f} s"

    errors = [str(e) for e in problems.errors]
    warnings = [str(w) for w in problems.warnings]
    if case["exit"] == 1:
        assert errors, f"{name}: expected an error, got warnings {warnings}"
        assert _matching_error(errors, folder, case), f"{name}: no error at {case['where']}: {errors}"
    else:
        assert errors == [], name
        if case.get("message"):
            assert any(case["message"] in w for w in warnings), warnings
    assert not marker_path(tmp_path).exists(), "a command in the input was run"

    if case["exit"] == 0 and (case.get("build") or case.get("present")):
        if case.get("build"):
            report = _build_and_inspect(folder, tmp_path / "out", case, tripwire)
        else:
            report = lib.plan(folder, lib.BuildOptions(out=tmp_path / "out")).report.model_dump_json()
        report = json.loads(report)
        text = json.dumps(report, ensure_ascii=False)
        for expected in case.get("present", []):
            expected = expected.replace("127.0.0.1:PORT", f"127.0.0.1:{tripwire.port}")
            assert expected in text or json.dumps(expected, ensure_ascii=False)[1:-1] in text, expected
    assert tripwire.requests == []


def _build_and_inspect(folder: Path, out: Path, case: dict, tripwire: Tripwire) -> str:
    """Build PDF, DOCX and HTML, check that nothing hostile is active in them; return report.json."""
    result = lib.build_session(folder, lib.BuildOptions(out=out, formats=("pdf", "docx", "html"), force=True))
    assert result.status == "built", result.errors
    out_dir = Path(result.out_dir)
    assert sorted(p.name for p in out_dir.glob("*.part")) == []
    outputs = inspect_outputs(out_dir, "session_report")
    for text in outputs.values():
        assert PASSWD not in text
    for forbidden in case.get("absent", []):
        for kind, text in outputs.items():
            assert forbidden not in text, f"{forbidden!r} in the {kind}"
    if case.get("docx_present"):
        header_text = docx_header_footer_text(out_dir / "session_report.docx")
        for expected in case["docx_present"]:
            assert expected in header_text, f"{expected!r} not in the DOCX header or footer: {header_text!r}"
    assert tripwire.requests == []
    return (out_dir / "report.json").read_text("utf-8")


class ActiveHTML(html.parser.HTMLParser):
    """Collect whatever in an HTML document could run, load or embed something."""

    FORBIDDEN_TAGS = {
        "script",
        "iframe",
        "object",
        "embed",
        "link",
        "img",
        "base",
        "form",
        "input",
        "frame",
        "frameset",
        "applet",
        "image",
        "use",
        "audio",
        "video",
        "source",
        "track",
        "portal",
    }
    URL_ATTRIBUTES = {
        "href",
        "src",
        "xlink:href",
        "data",
        "action",
        "formaction",
        "poster",
        "background",
        "srcset",
        "codebase",
        "cite",
        "longdesc",
        "usemap",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        if tag in self.FORBIDDEN_TAGS:
            self.found.append(f"<{tag}>")
        if tag == "meta" and any(k == "http-equiv" for k, _ in attrs):
            self.found.append("<meta http-equiv>")
        self._in_style = tag == "style"
        for key, value in attrs:
            value = (value or "").strip().lower()
            if key.startswith("on"):
                self.found.append(f"{key}=")
            elif key in self.URL_ATTRIBUTES and not value.startswith("#"):
                self.found.append(f"{key}={value[:60]}")
            elif key == "style" and ("url(" in value or "@import" in value or "expression(" in value):
                self.found.append(f"style={value[:60]}")

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        lowered = data.lower()
        if self._in_style and ("@import" in lowered or "url(" in lowered or "expression(" in lowered):
            self.found.append(f"style sheet: {data.strip()[:60]}")


def active_html(text: str) -> list[str]:
    parser = ActiveHTML()
    parser.feed(text)
    parser.close()
    return parser.found


def inspect_outputs(out_dir: Path, doc: str) -> dict[str, str]:
    """Read back the HTML, PDF and DOCX; fail on any active content. Returns each output's text."""
    html_text = (out_dir / f"{doc}.html").read_text("utf-8")
    assert active_html(html_text) == [], "active HTML in the output"

    reader = PdfReader(out_dir / f"{doc}.pdf")
    root = reader.trailer["/Root"]
    names = root.get("/Names", {})
    assert "/EmbeddedFiles" not in names, "a file was embedded in the PDF"
    assert "/OpenAction" not in root and "/AA" not in root and "/JavaScript" not in names
    for page in reader.pages:
        for annot in page.get("/Annots", []) or []:
            annot = annot.get_object()
            assert annot.get("/Subtype") != "/FileAttachment"
            action = annot.get("/A", {})
            assert action.get("/S") not in ("/URI", "/Launch", "/JavaScript", "/GoToR", "/SubmitForm"), action
    pdf_text = " ".join(page.extract_text() for page in reader.pages)

    with zipfile.ZipFile(out_dir / f"{doc}.docx") as docx:
        parts = {n: docx.read(n) for n in docx.namelist()}
    for name, data in parts.items():
        if name.endswith(".rels"):
            assert b'TargetMode="External"' not in data, f"external reference in {name}"
    assert not any(n.startswith(("word/embeddings/", "word/activeX/")) or n.endswith(".bin") for n in parts)
    docx_text = b" ".join(d for n, d in parts.items() if n.endswith(".xml")).decode("utf-8", "replace")
    assert _only_internal_links(docx_text), "a hyperlink out of the document"
    return {
        "HTML": html_text,
        "PDF": pdf_text,
        "DOCX": docx_text,
        "report.json": (out_dir / "report.json").read_text("utf-8"),
    }


def _only_internal_links(xml: str) -> bool:
    """Word hyperlinks to the document's own headings (the table of contents) carry w:anchor."""
    links = re.findall(r"<w:hyperlink\b[^>]*>", xml)
    return all("w:anchor=" in link and "r:id=" not in link for link in links)


# --- templates and the URL fetcher ------------------------------------------------------------------------

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)


def hostile_template(port: int, session: Path) -> str:
    """An editor's document template that tries every way WeasyPrint has to load or embed a file."""
    url = f"http://127.0.0.1:{port}"
    return f"""{{% extends "_shared/base.html" %}}
{{% block body %}}
<link rel="stylesheet" href="{url}/template.css">
<link rel="attachment" href="file:///etc/passwd" title="passwd">
<link rel="attachment" href="assets/ok.png" title="an allowed file, still not embedded">
<style>
@import url("{url}/import.css");
@import url("file:///etc/passwd");
@font-face {{ font-family: Evil; src: url("file:///etc/passwd"); }}
@font-face {{ font-family: Net; src: url("{url}/font.woff"); }}
body {{ background: url("{url}/background.png"); }}
h1 {{ background-image: url("FILE:///etc/passwd"); }}
</style>
<h1>Hostile template for {{{{ session.title }}}}</h1>
<p><img src="file:///etc/passwd" alt="a"><img src="/etc/passwd" alt="b"><img src="../../../../../../../../etc/passwd" alt="c">
<img src="file://localhost/etc/passwd" alt="d"><img src="file://evil.example/etc/passwd" alt="e">
<img src="file:///etc/%70asswd" alt="f"><img src="assets/../../../../../../../etc/passwd" alt="g">
<img src="{url}/image.png" alt="h"><img src="https://127.0.0.1:{port}/tls.png" alt="i">
<img src="ftp://127.0.0.1:{port}/ftp.png" alt="j"><img src="assets/passwd-link.png" alt="k">
<img src="assets/fifo.png" alt="l"><img src="/proc/self/environ" alt="m">
<img src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==" alt="n">
<img src="assets/ok.png" alt="allowed asset"></p>
<p><a rel="attachment" href="file:///etc/passwd">attached passwd</a>
<a rel="attachment" href="assets/ok.png">attached asset</a></p>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="file:///etc/passwd" width="5" height="5"/>
<image href="{url}/svg-image.png" width="5" height="5"/></svg>
<iframe src="{url}/iframe"></iframe><object data="file:///etc/passwd"></object><embed src="{url}/embed">
<p>{session}</p>
{{% endblock %}}
"""


def hostile_editor_folder(tmp_path: Path, port: int) -> tuple[Path, Path]:
    """A session with an assets folder (one real image, a link to /etc/passwd, a FIFO) and an editor's templates."""
    session = tmp_path / "drill"
    shutil.copytree(HOSTILE / "base", session)
    assets = session / "assets"
    assets.mkdir()
    (assets / "ok.png").write_bytes(PNG_1PX)
    (assets / "passwd-link.png").symlink_to("/etc/passwd")
    os.mkfifo(assets / "fifo.png")
    editor = tmp_path / "editor-templates"
    (editor / "session_report").mkdir(parents=True)
    (editor / "session_report" / "document.html").write_text(hostile_template(port, session), "utf-8")
    return session, editor


def test_an_editors_template_cannot_read_files_reach_the_network_or_embed(tmp_path, tripwire):
    session, editor = hostile_editor_folder(tmp_path, tripwire.port)
    out = tmp_path / "out"
    options = lib.BuildOptions(
        out=out, formats=("pdf", "docx", "html"), templates=TemplateSet(editor), force=True
    )
    started = time.perf_counter()
    result = lib.build_session(session, options)
    assert time.perf_counter() - started < 60
    assert result.status == "built", result.errors
    out_dir = out / "drill"
    pdf = PdfReader(out_dir / "session_report.pdf")
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "Hostile template for Hostile input drill" in text
    assert PASSWD not in text and "PATH=" not in text
    root = pdf.trailer["/Root"]
    assert "/EmbeddedFiles" not in root.get("/Names", {})
    for page in pdf.pages:
        for annot in page.get("/Annots", []) or []:
            assert annot.get_object().get("/Subtype") != "/FileAttachment"
    raw = (out_dir / "session_report.pdf").read_bytes()
    assert b"root:x:0:0" not in raw
    # The allowed asset is the one image that loaded: the gate is confined, not closed.
    images = [name for page in pdf.pages for name in page.images]
    assert len(images) >= 1
    with zipfile.ZipFile(out_dir / "session_report.docx") as docx:
        for name in docx.namelist():
            data = docx.read(name)
            assert b"root:x:0:0" not in data, name
            if name.endswith(".rels"):
                assert b'TargetMode="External"' not in data, name
    assert tripwire.requests == []
    record = json.loads((out_dir / "build.json").read_text("utf-8"))
    refused = "\n".join(record["warnings"])
    for url in (
        "file:///etc/passwd",
        f"http://127.0.0.1:{tripwire.port}/image.png",
        "passwd-link.png",
        "fifo.png",
        "data:text/html",
        "ftp://",
        "https://",
        "file://evil.example",
    ):
        assert url in refused, url
    assert "assets/ok.png" not in refused.replace("refused to fetch file://", "")  # loaded, not refused


def test_write_pdf_with_hostile_html_reads_nothing_outside_the_roots(tmp_path, tripwire):
    from outcomes.render.pdf import write_pdf

    session, editor = hostile_editor_folder(tmp_path, tripwire.port)
    html = hostile_template(tripwire.port, session).split("{% block body %}")[1].split("{% endblock %}")[0]
    html = f"<html><body>{html.replace('{{ session.title }}', 'direct')}</body></html>"
    target = tmp_path / "direct.pdf"
    refused = write_pdf(
        html, session, [editor, session / "assets"], target, title="t", lang="en", created=None
    )
    assert b"root:x:0:0" not in target.read_bytes()
    assert PASSWD not in " ".join(p.extract_text() for p in PdfReader(target).pages)
    assert any(u.startswith("file:///etc/passwd") for u in refused)
    assert tripwire.requests == []


def test_the_fetcher_serves_only_regular_files_inside_its_roots(tmp_path):
    from outcomes.render.pdf import MAX_IMAGE_PIXELS, ConfinedFetcher, Refused

    root = tmp_path / "assets"
    root.mkdir()
    (root / "style.css").write_text("p { color: red }")
    (root / "ok.png").write_bytes(PNG_1PX)
    (root / "out.css").symlink_to("/etc/passwd")
    (tmp_path / "sibling").mkdir()
    (tmp_path / "sibling" / "x.css").write_text("secret")
    (root / "dir-link").symlink_to(tmp_path / "sibling")
    os.mkfifo(root / "pipe.css")
    from PIL import Image

    side = int(MAX_IMAGE_PIXELS**0.5) + 10
    buffer = io.BytesIO()
    Image.new("1", (side, side)).save(buffer, format="PNG")
    (root / "bomb.png").write_bytes(buffer.getvalue())
    gate = ConfinedFetcher([root])

    url, data, media_type = gate.fetch((root / "style.css").as_uri())
    assert data == b"p { color: red }" and media_type == "text/css"
    assert gate.fetch("data:image/png;base64,iVBORw0KGgo=")[1].startswith(b"\x89PNG")
    assert gate.fetch(f"file://localhost{root}/ok.png")[1] == PNG_1PX
    refused = [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        (root / "out.css").as_uri(),
        (root / "dir-link" / "x.css").as_uri(),
        f"file://{root}/../sibling/x.css",
        f"file://{root}/%2e%2e/sibling/x.css",
        (root / "pipe.css").as_uri(),  # a FIFO: refused, and without blocking
        (root / "bomb.png").as_uri(),
        (root / "missing.css").as_uri(),
        f"file://otherhost{root}/style.css",
        "http://127.0.0.1:9/x.css",
        "https://example.org/x.css",
        "ftp://example.org/x",
        "gopher://example.org/x",
        "data:text/html,<script>alert(1)</script>",
        "data:,plain",
        "relative/path.css",
        "javascript:alert(1)",
    ]
    for url in refused:
        with pytest.raises(Refused):
            gate.fetch(url)
    assert len(gate.refused) == len(refused)
    # The WeasyPrint object has no other way in.
    with pytest.raises(Refused):
        gate.fetcher("file:///etc/passwd")
    with pytest.raises(Refused):
        gate.fetcher.open("file:///etc/passwd")


# --- through the command line -----------------------------------------------------------------------------

CLI_CASES = [
    "session_alias_bomb",
    "session_unknown_stakeholder",
    "note_docx_billion_laughs",
    "poll_xlsx_zip_bomb",
    "worksheet_unknown_region",
]


def run(*args, timeout=120):
    env = {**os.environ, "COLUMNS": "400"}
    started = time.perf_counter()
    done = subprocess.run(
        [OUTCOMES, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env
    )
    return done, time.perf_counter() - started


@pytest.mark.parametrize("name", CLI_CASES)
def test_check_on_the_command_line(name, tmp_path, tripwire):
    folder = make_session(name, tmp_path, tripwire.port)
    done, seconds = run("check", folder)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    errors = [line for line in done.stderr.splitlines() if line.startswith(str(folder))]
    assert _matching_error(errors, folder, CASES[name]), done.stderr
    assert seconds < CASE_SECONDS


def test_check_every_error_case_in_one_run_with_bounded_memory(tmp_path, tripwire):
    """All error cases through one `outcomes check`: each located, none a traceback, memory bounded."""
    names = [n for n, c in CASES.items() if c["exit"] == 1 and not c.get("timeout") and "templates" not in c]
    folders = {name: make_session(name, tmp_path, tripwire.port) for name in names}
    probe = (
        "import resource, subprocess, sys; "
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "sys.stdout.write(done.stdout); sys.stderr.write(done.stderr); "
        "print('MAXRSS', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(done.returncode)"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", probe, OUTCOMES, "check", *folders.values()],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "400"},
    )
    seconds = time.perf_counter() - started
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    errors = done.stderr.splitlines()
    missing = [n for n, f in folders.items() if not _matching_error(errors, f, CASES[n])]
    assert missing == []
    max_rss_kb = int(re.search(r"MAXRSS (\d+)", done.stdout).group(1))
    assert max_rss_kb < 1024 * 1024, f"{max_rss_kb // 1024} MB"  # one GB, for every reader and pandoc
    assert seconds < CASE_SECONDS * 3
    assert not marker_path(tmp_path).exists()


def test_build_batch_with_a_hostile_and_a_broken_session(tmp_path, tripwire):
    """Through the Prefect flow: the broken session fails, located; the hostile one builds, inert."""
    hostile = make_session("session_html_and_template_syntax", tmp_path, tripwire.port)
    for source in ("notes/script_iframe.md", "notes/css_import.md", "notes/jinja.md", "notes/image_urls.md"):
        data = _substitute((FILES / source).read_bytes(), tripwire.port, marker_path(tmp_path))
        (hostile / "notes" / Path(source).name).write_bytes(data)
    (hostile / "worksheet.xlsx").write_bytes(
        _substitute(
            (FILES / "worksheet/formula_hyperlink.xlsx").read_bytes(), tripwire.port, marker_path(tmp_path)
        )
    )
    broken = make_session("note_docx_billion_laughs", tmp_path, tripwire.port)
    out = tmp_path / "out"
    done, seconds = run("build", hostile, broken, "--out", out, "--format", "pdf,docx,html", timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert f"{broken}/notes/report.docx: is refused" in done.stderr
    assert "1 built" in done.stdout and "1 failed" in done.stdout
    outputs = inspect_outputs(out / hostile.name, "session_report")
    for text in outputs.values():
        assert PASSWD not in text and "1337" not in text
    assert "{{ 7*191 }}" in outputs["PDF"]
    assert not (out / broken.name).exists() or not any((out / broken.name).glob("*.pdf"))
    assert list(out.rglob("*.part")) == []
    assert tripwire.requests == []


def test_internal_errors_print_no_traceback_unless_debug(monkeypatch, capsys, tmp_path):
    from outcomes import cli

    def boom(folder):
        raise RuntimeError("a reader bug")

    monkeypatch.setattr(lib, "check_outlines", boom)  # what `outcomes check` calls
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["check", str(tmp_path)])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: a reader bug" in err and "Traceback" not in err
    with pytest.raises(RuntimeError):
        cli.main(["check", str(tmp_path), "--debug"])


# --- issue 14 (sandbox): session text in the DOCX header, and editors' templates ---------------------------


def docx_header_footer_text(path: Path) -> str:
    """The text of the DOCX header and footer parts; fails if a header holds a field (the built-in has none)."""
    with zipfile.ZipFile(path) as docx:
        parts = {n: docx.read(n).decode("utf-8") for n in docx.namelist()}
    texts = []
    for name, xml in parts.items():
        if re.fullmatch(r"word/(header|footer)\d*\.xml", name):
            if "header" in name:
                assert "instrText" not in xml and "fldSimple" not in xml, f"a field in {name}"
            texts.append("".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", xml)))
    return html.unescape(" ".join(texts))


TEMPLATE_CASES = sorted(n for n, c in CASES.items() if "templates" in c)
SECRET = "TOPSECRET-corpus-9d2"


def make_editor_folder(case: dict, root: Path, port: int) -> Path:
    """The case's editor template folder, its MARKER and SECRET_JSON pointing into ``root``."""
    secret = root / "secret.json"
    secret.write_text(json.dumps({"session": {"id": SECRET}, "secret": SECRET}), encoding="utf-8")
    folder = root / "editor-templates"
    for where, source in case["templates"].items():
        target = folder / where
        target.parent.mkdir(parents=True, exist_ok=True)
        data = _substitute((FILES / source).read_bytes(), port, marker_path(root))
        target.write_bytes(data.replace(b"SECRET_JSON", str(secret).encode()))
    return folder


@pytest.mark.parametrize("name", TEMPLATE_CASES)
def test_template_case(name, tmp_path, tripwire, monkeypatch):
    """templates check, build --templates and preview all give the case's located error, and nothing leaks."""
    from outcomes.preview import Preview
    from outcomes.render import templates as templates_module
    from outcomes.template_check import check_templates

    case = CASES[name]
    folder = make_editor_folder(case, tmp_path, tripwire.port)
    if case.get("timeout"):
        monkeypatch.setenv("OUTCOMES_RENDER_TIMEOUT", str(case["timeout"]))  # the renderers' limit
        monkeypatch.setattr(templates_module, "RENDER_TIMEOUT_S", float(case["timeout"]))  # this process's
        share = float(case["timeout"]) * templates_module.TEMPLATE_TIME_SHARE
        monkeypatch.setattr(templates_module, "TEMPLATE_TIMEOUT_S", share)
    expected = f"{folder}/{case['where']}: "

    started = time.perf_counter()
    checked = [str(p) for p in check_templates(folder, full=False)]
    assert time.perf_counter() - started < CASE_SECONDS + 2 * (case.get("timeout") or 0)
    session = tmp_path / "session"
    shutil.copytree(HOSTILE / "base", session)
    options = lib.BuildOptions(
        out=tmp_path / "out", formats=("html",), templates=TemplateSet(folder), force=True
    )
    built = lib.build_session(session, options)
    previewed = Preview(session, "session_report", folder, out_dir=tmp_path / "preview").render()
    for where, errors in (("check", checked), ("build", built.errors), ("preview", previewed.errors)):
        assert any(e.startswith(expected) and case["message"] in e for e in errors), f"{where}: {errors}"
        assert not any(SECRET in e for e in errors), where
    assert built.status == "failed" and not previewed.ok
    outputs = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "secret.json"]
    assert not any(SECRET.encode() in p.read_bytes() for p in outputs)
    assert not marker_path(tmp_path).exists(), "a template ran a command"
    assert tripwire.requests == []
