"""Paged lists (`{items, next}`, `?limit=&cursor=`): walk one to its end."""
from __future__ import annotations

from urllib.parse import quote


def page_url(path: str, limit: int | None = None, cursor: str | None = None) -> str:
    """`path` asking for one page (`limit`, `cursor` added to any query it has)."""
    q = [f"limit={limit}"] if limit is not None else []
    if cursor is not None:
        q.append(f"cursor={quote(cursor, safe='')}")
    return path if not q else f"{path}{'&' if '?' in path else '?'}{'&'.join(q)}"


def walk(api, path: str, limit: int, key: str = "id", max_pages: int = 50) -> tuple[list[dict], list[list]]:
    """Every item of a paged list, following `next` from the first page; and the keys of
    each page. Each page holds at most `limit` items (except where `slack` allows)."""
    items: list[dict] = []
    pages: list[list] = []
    cursor = None
    for _ in range(max_pages):
        body = api.call("GET", page_url(path, limit, cursor), expect=200).json()
        assert set(body) >= {"items", "next"}, body
        items.extend(body["items"])
        pages.append([i[key] for i in body["items"]])
        cursor = body["next"]
        if cursor is None:
            return items, pages
    raise AssertionError(f"{path}: more than {max_pages} pages")
