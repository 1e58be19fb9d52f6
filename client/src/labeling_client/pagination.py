"""Lazy iteration over LimitOffsetPagination listings: a page is fetched only when the loop reaches it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    import pandas as pd

    from labeling_client.transport import Transport

T = TypeVar("T")


class Paginated(Generic[T]):
    """Iterate a listing across pages; `count` is the server's total (one request when asked first).

    Each `iter()` starts again from the first page, so the object can be looped over more than once.
    """

    def __init__(
        self,
        transport: Transport,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        page_size: int = 100,
        convert: Callable[[dict], T] | None = None,
    ) -> None:
        self._transport = transport
        self._path = path
        self._params = dict(params or {})
        self._page_size = page_size
        self._convert = convert
        self._count: int | None = None

    @property
    def count(self) -> int:
        if self._count is None:
            body = self._transport.json("GET", self._path, params={**self._params, "limit": 1})
            self._count = len(body) if isinstance(body, list) else int(body["count"])
        return self._count

    def pages(self) -> Iterator[list[T]]:
        for body in self._transport.page_bodies(self._path, self._params, page_size=self._page_size):
            self._count = int(body.get("count", 0))
            rows = body.get("results", [])
            yield [self._convert(row) for row in rows] if self._convert else list(rows)

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page

    def to_list(self) -> list[T]:
        return list(self)

    def to_dataframe(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame.from_records([row if isinstance(row, dict) else vars(row) for row in self])

    def __repr__(self) -> str:
        return f"Paginated({self._path!r}, params={self._params!r})"
