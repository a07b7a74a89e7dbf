"""Paging of the console's long lists: one page of a query set, and the query string that keeps the filters on the
page links (staff/_pages.html)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PER_PAGE = 100


def page_of(request: HttpRequest, rows: Any, per_page: int = PER_PAGE) -> tuple[Page, str]:
    """(the page `?page=` asks for — the nearest one when out of range, the query string without `page`)."""
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
