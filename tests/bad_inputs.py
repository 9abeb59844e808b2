"""Bad inputs for the hardening tests and `bench/bench_reliability.py`: the feedparser corpus served from
loopback, generated hostile files and web replies, and a CLI wrapper that keeps every connection on
127.0.0.1.

Feeds of the corpus link to real hosts (example.com, www.w3.org, ...). `python -m tests.bad_inputs run ...`
runs `newsbeam` with name resolution answered by 127.0.0.1 and every connection sent to the fixture server's
port (`NEWSBEAM_LOOPBACK_PORT`), so entries are fetched from the fixture server and nothing leaves the
machine; a connection to any other address raises instead. Literal IP addresses are not rewritten, so the
address guard still sees (and must refuse) `10.0.0.1` or `169.254.169.254`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import random
import socket
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests import support
from tests.http_fixtures import FixtureServer, Reply, Request, shared

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
CORPUS = SHARED_DATA / "feeds" / "feedparser-tests"
PORT_ENV = "NEWSBEAM_LOOPBACK_PORT"
ALLOWED_ENV = "NEWSBEAM_ALLOWED_NETWORKS"
# In-process DirectRunner, so the loopback patches apply to every step.
IN_PROCESS = ("--direct_running_mode", "in_memory", "--direct_num_workers", "1")


# --- the feedparser corpus ----------------------------------------------------------------------------------


def corpus_index() -> list[dict[str, Any]]:
    """`index.json` of the corpus: `{file, category, description, expect_bozo, http_headers, bytes}`."""
    entries: list[dict[str, Any]] = json.loads(shared(CORPUS / "index.json").read_text(encoding="utf-8"))
    return entries


def stratified_sample(entries: list[dict[str, Any]], n: int, seed: int = 9) -> list[dict[str, Any]]:
    """About `n` feeds, every category represented in proportion, the small categories whole."""
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        by_category[entry["category"]].append(entry)
    rng = random.Random(seed)
    picked: list[dict[str, Any]] = []
    for category in sorted(by_category):
        group = by_category[category]
        share = max(len(group) * n // len(entries), min(len(group), 25))
        picked.extend(rng.sample(group, min(share, len(group))))
    return sorted(picked, key=lambda e: e["file"])


def _content_type(entry: dict[str, Any]) -> str:
    for name, value in entry["http_headers"]:
        if name.lower() == "content-type":
            return str(value)
    return "application/json" if entry["file"].endswith(".json") else "application/xml"


def article_page(path: str) -> bytes:
    """A news page whose text is unique to `path`, so each distinct entry link can become an article."""
    tag = hashlib.sha1(path.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    paragraphs = [
        f"Reporters followed the story filed under reference {tag} through the week as officials met again.",
        f"The council said the matter {tag} would be settled after a public hearing in the town hall.",
        "Residents told the newspaper they wanted clear answers before the budget vote later this month.",
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Story {tag}</title></head>"
        f"<body><article><h1>Story {tag}</h1>{body}</article></body></html>"
    ).encode()


def serve_corpus(server: FixtureServer, entries: list[dict[str, Any]]) -> list[str]:
    """Serve each corpus file at `/fp/<file>` with its recorded Content-Type, and a unique article page at
    any other path (where the entries' links land). Returns the feed URLs."""
    urls = []
    for entry in entries:
        body = shared(CORPUS / entry["file"]).read_bytes()
        urls.append(server.add(f"/fp/{entry['file']}", Reply(200, body, _content_type(entry))))
    fallback(server, lambda request: Reply(200, article_page(request.path)))
    return urls


def fallback(server: FixtureServer, handler: Callable[[Request], Reply]) -> None:
    """Answer paths without a route with `handler` (robots.txt stays a 404: everything allowed)."""
    routed = server._reply

    def reply(request: Request) -> Reply:
        if request.path in server.routes or request.path == "/robots.txt":
            return routed(request)
        return handler(request)

    server._reply = reply  # type: ignore[method-assign]


def write_feed_list(path: Path, urls: list[str]) -> Path:
    path.write_text("".join(f"- {json.dumps(u)}\n" for u in urls), encoding="utf-8")
    return path


# --- generated hostile inputs -------------------------------------------------------------------------------

BILLION_LAUGHS_DTD = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n"
)


def billion_laughs_feed() -> bytes:
    return (
        BILLION_LAUGHS_DTD + '<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title>'
        "<link>http://bomb.example/a</link><description>&lol9;</description></item></channel></rss>"
    ).encode()


def billion_laughs_sitemap() -> bytes:
    return (
        BILLION_LAUGHS_DTD + '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>http://bomb.example/&lol9;</loc></url></urlset>"
    ).encode()


def deeply_nested_html(depth: int = 100_000) -> bytes:
    return b"<html><body>" + b"<div>" * depth + b"<p>deep text here</p>" + b"</div>" * depth + b"</body></html>"


def big_html(size: int = 50 * 1024 * 1024) -> bytes:
    paragraph = b"<p>The harbour council met again on Monday to discuss the budget for the coming year.</p>\n"
    return b"<html><body><article>" + paragraph * (size // len(paragraph)) + b"</article></body></html>"


def minimal_pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n" + bytes(range(256)) * 8
    )


def rss(items: list[tuple[str, str]]) -> bytes:
    """An RSS 2.0 feed of `(title, link)` items."""
    body = "".join(f"<item><title>{t}</title><link>{link}</link></item>" for t, link in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{body}</channel></rss>'.encode()


def write_local_cases(folder: Path, big: bool = True) -> dict[str, list[Path]]:
    """Hostile local files by class; returns class → files written (the 50 MB page only with `big`)."""
    rng = random.Random(9)
    folder.mkdir(parents=True, exist_ok=True)
    cases: dict[str, list[Path]] = defaultdict(list)

    def put(kind: str, name: str, data: bytes) -> None:
        path = folder / name
        path.write_bytes(data)
        cases[kind].append(path)

    for ext in ("txt", "html", "htm", "jsonl"):
        put("empty file", f"empty.{ext}", b"")
    for i, ext in enumerate(("txt", "html", "jsonl", "txt", "html")):
        put("random bytes", f"random{i}.{ext}", rng.randbytes(4096 * (i + 1)))
    put(
        "invalid UTF-8",
        "invalid_utf8.txt",
        "Le conseil municipal a voté le budget du port lundi soir. ".encode() * 5 + b"\xff\xfe\xc3(\xa0\xa1" * 20,
    )
    put(
        "invalid UTF-8",
        "invalid_utf8.html",
        b"<html><body><p>" + b"caf\xe9 \xc3\x28 news \xff " * 40 + b"</p></body></html>",
    )
    put("deeply nested HTML", "nested.html", deeply_nested_html())
    put("PDF as .html", "document.html", minimal_pdf())
    put("unknown extension", "notes.docx", b"PK\x03\x04" + rng.randbytes(512))
    good = json.dumps({"url": "http://a.example/1", "text": "The harbour council approved the budget on Monday night."})
    lines = [
        good,
        "{not json",
        "[1, 2, 3]",
        '{"title": "no body"}',
        '{"html": 42}',
        "",
        '"just a string"',
        '{"text": "' + "x" * 10 + '"',
        json.dumps({"text": "A second article about the harbour council budget vote and the port's future."}),
    ]
    put("JSONL with broken lines", "broken.jsonl", ("\n".join(lines) + "\n").encode() + b"\xff\xfe{bad bytes}\n")
    if big:
        put("50 MB HTML page", "big.html", big_html())
    return dict(cases)


# --- running newsbeam on loopback ---------------------------------------------------------------------------


def newsbeam_loopback(
    port: int, *args: str, allowed_networks: str | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """`newsbeam <args>` in a subprocess whose connections all go to 127.0.0.1:`port` (see module doc)."""
    env = {PORT_ENV: str(port)}
    if allowed_networks:
        env[ALLOWED_ENV] = allowed_networks
    return support.newsbeam(*args, timeout=timeout, env=env, module="tests.bad_inputs")


def newsbeam(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`newsbeam <args>` in a subprocess, as a user runs it."""
    return support.newsbeam(*args, timeout=timeout)


def summary(stdout: str) -> dict[str, int]:
    """read/written/duplicates/rejected of a run summary, checked balanced and verified."""
    return support.summary_counts(stdout, verified=True)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return True


def loopback_only(port: int, allowed_networks: str | None = None) -> None:
    """Patch this process so names resolve to 127.0.0.1 and every connection goes to 127.0.0.1:`port`."""
    from urllib3.util import connection

    from transforms.web import client as _http

    real_getaddrinfo = socket.getaddrinfo
    real_create = connection.create_connection

    def getaddrinfo(host: Any, service: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host or "")
        if _is_ip(name):
            return real_getaddrinfo(host, service, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", int(service or 80)))]

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        host, _ = address
        if host != "127.0.0.1":
            raise OSError(f"test harness: refusing a connection to {host} (loopback only)")
        return real_create(("127.0.0.1", port), *args, **kwargs)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    connection.create_connection = create_connection
    if allowed_networks:
        networks = tuple(allowed_networks.split(","))
        real_init = _http.AddressGuard.__init__

        def init(self: Any, allow_private: bool = False, allowed: Any = ()) -> None:
            real_init(self, allow_private, tuple(allowed) + networks)

        setattr(_http.AddressGuard, "__init__", init)  # noqa: B010  (a patch, typed loosely on purpose)


def main() -> int:
    loopback_only(int(os.environ[PORT_ENV]), os.environ.get(ALLOWED_ENV))
    from pipeline.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
