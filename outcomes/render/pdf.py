"""PDF through WeasyPrint, with a URL fetcher that is the single gate to the outside.

The fetcher serves only files inside the template folders and the session's ``assets/`` folder:
no network, no redirects, no other ``file://`` path. Everything else is refused and logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from pathlib import Path
from urllib.parse import unquote, urlparse

from outcomes.errors import RenderError

LOG = logging.getLogger(__name__)


def _weasyprint():
    import weasyprint

    return weasyprint


class ConfinedFetcher:
    """Build a WeasyPrint URL fetcher confined to a few folders."""

    def __init__(self, roots: list[Path]):
        self.roots = [r.resolve() for r in roots]
        self.refused: list[str] = []
        wp = _weasyprint()

        confined = self

        class _Fetcher(wp.URLFetcher):
            def __init__(self):
                super().__init__(timeout=1, allowed_protocols={"file", "data"}, allow_redirects=False)

            def fetch(self, url, headers=None):
                scheme = urlparse(url).scheme.lower()
                if scheme == "data":
                    return super().fetch(url, headers)
                if scheme == "file":
                    path = Path(unquote(urlparse(url).path)).resolve()
                    if any(path.is_relative_to(root) for root in confined.roots) and path.is_file():
                        return wp.urls.URLFetcherResponse(url, path.read_bytes(), {}, 200)
                confined.refused.append(url[:200])
                raise ValueError(f"refused to fetch {url[:200]}")

        self.fetcher = _Fetcher()


def write_pdf(html: str, base_dir: Path, roots: list[Path], target: Path, *, title: str, lang: str,
              created: dt.date | None) -> list[str]:
    """Render HTML to a PDF file; returns the URLs that were refused."""
    wp = _weasyprint()
    confined = ConfinedFetcher(roots)
    stamp = dt.datetime.combine(created or dt.date(2000, 1, 1), dt.time(0, 0), tzinfo=dt.UTC)
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode()
    try:
        document = wp.HTML(string=html, base_url=str(base_dir) + "/", url_fetcher=confined.fetcher).render()
        document.metadata.title = title
        document.metadata.lang = lang
        document.metadata.created = stamp.isoformat()
        document.metadata.modified = stamp.isoformat()
        document.write_pdf(
            target,
            pdf_identifier=identifier,
            pdf_variant="pdf/ua-1",
            pdf_tags=True,
            uncompressed_pdf=False,
        )
    except (OSError, ValueError, RuntimeError, AssertionError) as exc:
        raise RenderError(f"WeasyPrint failed: {exc}") from exc
    return confined.refused
