"""PDF through WeasyPrint, with a URL fetcher that is the single gate to the outside.

Everything WeasyPrint loads (stylesheets, ``@import``, images, SVG references, fonts, attachments)
goes through :class:`ConfinedFetcher`. It serves only:

- regular files inside the allowed roots (the template folders and the session's ``assets/``),
  checked after resolving symbolic links and ``..``, opened without following a link, never larger
  than :data:`MAX_RESOURCE_BYTES`, and images no larger than :data:`MAX_IMAGE_PIXELS`;
- ``data:`` URLs of images, fonts and stylesheets (their bytes are already in the document; whatever
  they reference goes through this gate again).

Every other URL (``http(s)://``, ``ftp://``, ``file://`` outside the roots or on another host, other
schemes) is refused and recorded, so the build reports it; nothing is requested from the network and
no redirect is ever followed. Files are never embedded in the PDF: ``<link rel="attachment">`` and
``<a rel="attachment">`` are dropped after layout.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import mimetypes
import os
import stat
from functools import cache
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from outcomes import limits
from outcomes.errors import RenderError

MAX_RESOURCE_BYTES = limits.MAX_ASSET_BYTES
"""Largest file or data: URL the fetcher hands to WeasyPrint."""

MAX_IMAGE_PIXELS = 50_000_000
"""Largest image (width x height) the fetcher hands to WeasyPrint: a small file can claim huge sizes."""

DATA_TYPES = (
    "image/",
    "font/",
    "text/css",
    "application/font-",
    "application/x-font-",
    "application/vnd.ms-fontobject",
)
"""Media types a data: URL may have; anything else (HTML, plain text, scripts) is refused."""

_RASTER_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/tiff", "image/bmp"}


def load_weasyprint():
    """The weasyprint module, imported on first use (it loads its C libraries as it is imported)."""
    import weasyprint

    return weasyprint


class Refused(ValueError):
    """A URL the fetcher will not load (WeasyPrint logs it and leaves the resource out)."""


class ConfinedFetcher:
    """The gate: decide for each URL whether WeasyPrint may have its bytes.

    ``fetcher`` is the object to pass to WeasyPrint as ``url_fetcher``; ``refused`` lists every URL
    that was turned away (shortened to 200 characters), in order, without repeats.
    """

    def __init__(self, roots: list[Path]):
        self.roots = [Path(os.path.realpath(r)) for r in roots]
        self.refused: list[str] = []
        self.fetcher = _fetcher_class()(self)

    # -- the decision
    def fetch(self, url: str) -> tuple[str, bytes, str]:
        """The (URL, bytes, media type) for ``url``; raise :class:`Refused` for anything else."""
        if not isinstance(url, str):
            raise self._refuse(repr(url), "not a URL")
        scheme, sep, _rest = url.partition(":")
        scheme = scheme.strip().lower()
        if not sep:
            raise self._refuse(url, "not an absolute URL")
        if scheme == "data":
            media_type, data = self._data(url)
            return url, data, media_type
        if scheme == "file":
            path = self._file_path(url)
            return path.as_uri(), self._read(url, path), _media_type(path)
        raise self._refuse(url, f"{scheme}: URLs are never fetched (no network access)")

    def _refuse(self, url: str, why: str) -> Refused:
        shown = url[:200]
        if shown not in self.refused:
            self.refused.append(shown)
        return Refused(f"refused to fetch {shown}: {why}")

    def _data(self, url: str) -> tuple[str, bytes]:
        if len(url) > MAX_RESOURCE_BYTES * 4 // 3 + 1024:
            raise self._refuse(url, "data: URL too large")
        header, comma, payload = url.split(":", 1)[1].partition(",")
        if not comma:
            raise self._refuse(url, "malformed data: URL")
        params = [p.strip() for p in header.split(";")]
        media_type = (params[0] or "text/plain").lower()
        if not media_type.startswith(DATA_TYPES):
            raise self._refuse(url, f"data: URLs of type {media_type} are not loaded")
        try:
            if "base64" in (p.lower() for p in params[1:]):
                data = base64.b64decode(unquote(payload), validate=False)
            else:
                data = unquote_to_bytes(payload)
        except ValueError as exc:
            raise self._refuse(url, f"malformed data: URL ({exc})") from None
        self._check_image(url, media_type, data)
        return media_type, data

    def _file_path(self, url: str) -> Path:
        try:
            parts = urlsplit(url)
        except ValueError:
            raise self._refuse(url, "malformed URL") from None
        if parts.netloc not in ("", "localhost"):
            raise self._refuse(url, "file: URLs on another host are not loaded")
        raw = unquote(parts.path)
        if not raw.startswith("/") or "\x00" in raw:
            raise self._refuse(url, "not an absolute file path")
        # realpath resolves every symbolic link and "..", so a link inside a root that points
        # outside it is judged by where it points.
        path = Path(os.path.realpath(raw))
        if not any(path == root or path.is_relative_to(root) for root in self.roots):
            raise self._refuse(url, "outside the template and assets folders")
        return path

    def _read(self, url: str, path: Path) -> bytes:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise self._refuse(url, f"cannot be opened ({exc.strerror})") from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block or never end
                raise self._refuse(url, "not a regular file")
            if info.st_size > MAX_RESOURCE_BYTES:
                raise self._refuse(url, f"larger than {MAX_RESOURCE_BYTES // (1024 * 1024)} MB")
            with os.fdopen(fd, "rb", closefd=False) as fh:
                data = fh.read(MAX_RESOURCE_BYTES + 1)
        finally:
            os.close(fd)
        if len(data) > MAX_RESOURCE_BYTES:
            raise self._refuse(url, f"larger than {MAX_RESOURCE_BYTES // (1024 * 1024)} MB")
        self._check_image(url, _media_type(path), data)
        return data

    def _check_image(self, url: str, media_type: str, data: bytes) -> None:
        """Refuse raster images that declare more pixels than any document needs (bombs)."""
        if media_type not in _RASTER_TYPES:
            return
        from PIL import Image

        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
        except Exception:  # noqa: BLE001 - not an image Pillow reads; WeasyPrint will say so
            return
        if width * height > MAX_IMAGE_PIXELS:
            raise self._refuse(url, f"image of {width}x{height} pixels is too large")


def _media_type(path: Path) -> str:
    return mimetypes.guess_type(path.name, strict=False)[0] or "application/octet-stream"


@cache
def _fetcher_class():
    """The WeasyPrint URLFetcher subclass whose every entry point goes through the gate."""
    wp = load_weasyprint()

    class _Fetcher(wp.URLFetcher):
        def __init__(self, gate: ConfinedFetcher):
            # No redirects and only the two schemes, in case a later WeasyPrint calls the parent.
            super().__init__(timeout=1, allowed_protocols={"file", "data"}, allow_redirects=False)
            self._gate = gate

        def fetch(self, url, headers=None):
            final, data, media_type = self._gate.fetch(url)
            return wp.urls.URLFetcherResponse(final, data, {"Content-Type": media_type}, 200)

        def open(self, url, data=None, timeout=None):
            return self.fetch(getattr(url, "full_url", url))

        def __call__(self, url):
            return self.fetch(url)

    return _Fetcher


def _drop_attachments(document) -> None:
    """Embed no file in the PDF: drop <link rel=attachment> and <a rel=attachment> targets."""
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]


def write_pdf(
    html: str,
    base_dir: Path,
    roots: list[Path],
    target: Path,
    *,
    title: str,
    lang: str,
    created: dt.date | None,
) -> list[str]:
    """Render HTML to a PDF file; returns the URLs that were refused."""
    wp = load_weasyprint()
    confined = ConfinedFetcher(roots)
    stamp = dt.datetime.combine(created or dt.date(2000, 1, 1), dt.time(0, 0), tzinfo=dt.UTC)
    try:
        document = wp.HTML(string=html, base_url=str(base_dir) + "/", url_fetcher=confined.fetcher).render()
        _drop_attachments(document)
        document.metadata.title = title
        document.metadata.lang = lang
        document.metadata.created = stamp.isoformat()
        document.metadata.modified = stamp.isoformat()
        # No pdf_identifier: the file identifier (optional in an unencrypted PDF) makes pydyf
        # serialise and compress every stream a second time to hash it, about 10 % of the PDF's
        # CPU time (bench/README.md). Without one the same inputs still give the same bytes.
        document.write_pdf(
            target,
            finisher=scope_table_headers,
            pdf_variant="pdf/ua-1",
            pdf_tags=True,
            uncompressed_pdf=False,
        )
    except (OSError, ValueError, RuntimeError, AssertionError) as exc:
        # WeasyPrint's own checks (an AssertionError has no text) fail the same way on every try; a
        # file system error may not.
        what = f"{type(exc).__name__}: {exc}" if str(exc) else f"{type(exc).__name__} in WeasyPrint's layout"
        raise RenderError(f"WeasyPrint failed: {what}", retryable=isinstance(exc, OSError)) from exc
    return confined.refused


def scope_table_headers(_document, pdf) -> None:
    """Give every /TH structure element a /Scope, so screen readers tie headers to their cells.

    WeasyPrint links each /TD to its headers (/Headers) but leaves /Scope off the /TH cells, which
    PDF/UA checkers then report as unassociated. A header cell of a header row (in /THead, or a row of
    header cells only) is a column header; a header cell beside data cells heads its row. Runs as
    WeasyPrint's finisher, on the objects about to be written, so the PDF is written once.
    """
    import pydyf

    elements = {
        obj.reference: obj
        for obj in pdf.objects
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/StructElem"
    }
    for element in elements.values():
        if element.get("S") != "/TH":
            continue
        row = elements.get(element.get("P"))
        group = elements.get(row.get("P")) if row is not None else None
        cells = [elements.get(kid) for kid in row.get("K", ())] if row is not None else []
        header_row = (group is not None and group.get("S") == "/THead") or all(
            cell is not None and cell.get("S") == "/TH" for cell in cells
        )
        attributes = element.get("A")
        if not isinstance(attributes, pydyf.Dictionary):
            attributes = element["A"] = pydyf.Dictionary({"O": "/Table"})
        attributes["Scope"] = "/Column" if header_row else "/Row"
