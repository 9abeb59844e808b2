"""`newsbeam report`'s page read back as data: its figure tables, KPI cards and outside references (the report's
tests, and the stream's end-to-end test that checks a stream's feeds in it)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class PageTables(HTMLParser):
    """Every `<table data-figure=…>` of the page as rows of cell values (numbers as numbers), the KPI cards,
    and what the page refers to outside itself."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[Any]]] = {}
        self.headers: dict[str, list[str]] = {}
        self.kpis: dict[str, int] = {}
        self.external: list[str] = []
        self.scripts = 0
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._value: str | None = None
        self._in_head = False
        self._kpi: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name in ("src", "href", "xlink:href", "action", "poster"):
            value = a.get(name) or ""
            if value and not value.startswith(("#", "data:")):
                self.external.append(f"{tag} {name}={value}")
        if tag in ("script", "link", "iframe", "object", "embed"):
            self.scripts += 1
        if tag == "table" and a.get("data-figure"):
            self._table = a["data-figure"]
            self.tables[self._table] = []
            self.headers[self._table] = []
        elif self._table and tag == "thead":
            self._in_head = True
        elif self._table and tag == "tr" and not self._in_head:
            self.tables[self._table].append([])
        elif self._table and tag in ("td", "th"):
            self._cell, self._value = [], a.get("data-value")
        elif tag == "div" and a.get("class") == "kpi":
            self._kpi = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._table and self._cell is not None:
            text = "".join(self._cell).strip()
            if self._in_head:
                self.headers[self._table].append(text)
            else:
                value: Any = text
                if self._value is not None:
                    value = float(self._value) if "." in self._value else int(self._value)
                elif text == "–":
                    value = None
                self.tables[self._table][-1].append(value)
            self._cell = None
        elif tag == "div" and self._kpi is not None and len(self._kpi) == 2:
            self.kpis[self._kpi[1]] = int(self._kpi[0].replace(",", ""))
            self._kpi = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._kpi is not None and data.strip():
            self._kpi.append(data.strip())


def parse(page: str) -> PageTables:
    parser = PageTables()
    parser.feed(page)
    return parser
