"""The interactive docs (/docs: Swagger UI, /redoc: ReDoc) load everything from the app itself,
so they work on a machine without internet; their files stay outside the API's document."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx
import pytest

from tests.integration.expectations import assert_error

PAGES = ["/docs", "/redoc"]
# What a browser expects each asset to be, by the reference's file type.
CONTENT_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".json": "application/json",
}


class References(HTMLParser):
    """Every URL a page makes the browser fetch: scripts, stylesheets and icons, and ReDoc's
    document (`spec-url`)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src", "redoc": "spec-url"}.get(tag)
        for name, value in attrs:
            if name == wanted and value is not None:
                self.urls.append(value)


def references(page: str) -> list[str]:
    parser = References()
    parser.feed(page)
    return parser.urls


@pytest.mark.parametrize("page", PAGES)
async def test_a_docs_page_loads_only_files_the_app_serves(
    client: httpx.AsyncClient, page: str
) -> None:
    response = await client.get(page)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    urls = references(response.text)
    kinds = {urlsplit(url).path.rsplit(".", 1)[-1] for url in urls}
    assert {"js", "png"} <= kinds, urls  # the viewer's script and the favicon at least
    assert "://" not in response.text  # no other host, not even in the inline script
    for url in urls:
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("", ""), url
        asset = await client.get(url)
        suffix = "." + parts.path.rsplit(".", 1)[-1]
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].startswith(CONTENT_TYPES[suffix]), url
        assert asset.content, url


async def test_swagger_ui_gets_its_stylesheet_and_reads_the_apps_document(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get("/docs")).text

    assert any(url.endswith(".css") for url in references(page))
    assert "url: '/openapi.json'" in page


async def test_an_unknown_docs_file_is_a_404_in_the_error_envelope(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get("/docs")).text
    script = next(url for url in references(page) if url.endswith(".js"))
    folder = script.rsplit("/", 1)[0]

    missing = await client.get(f"{folder}/no-such-file.js")
    # A file beside the assets' folder (%2e%2e: httpx would resolve a literal "..").
    outside = await client.get(f"{folder}/%2e%2e/__init__.py")

    assert_error(missing, 404, "NOT_FOUND")
    assert_error(outside, 404, "NOT_FOUND")


async def test_the_docs_and_their_files_are_not_operations_of_the_api(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get("/docs")).text
    folder = next(url for url in references(page) if url.endswith(".js")).rsplit("/", 1)[0]

    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]

    assert not [path for path in paths if path.startswith(("/docs", "/redoc", folder))]
