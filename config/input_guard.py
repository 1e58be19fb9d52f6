"""One input guard for every entry point: the API, web forms, file imports and the CLI.

PostgreSQL refuses some input that Python accepts (NUL characters, unpaired surrogates, integers past a
column's range) and Python itself fails on other input (JSON nested thousands of levels deep, bytes that are
not UTF-8). Each of those used to surface as a 500. Every check here raises `InputRejected`, a 400 in the
one error shape with `code`, `field` and `reason`, before anything is stored; the CLI prints its message.

Wired in once: the default DRF parser (`BoundedJSONParser`), a `pre_save` check of every model instance
(`install`), bounds on every DRF and Django form integer field, a middleware for web forms and query
strings (`InputGuardMiddleware`), and the file readers (`json_loads`, `csv_rows`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings
from django.db import models
from django.db.models.signals import pre_save
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.parsers import JSONParser

from config.exceptions import ApplicationError

SMALLINT_RANGE = (-(2**15), 2**15 - 1)
INTEGER_RANGE = (-(2**31), 2**31 - 1)
BIGINT_RANGE = (-(2**63), 2**63 - 1)
DEFAULT_MAX_JSON_DEPTH = 32
# Characters PostgreSQL text and jsonb cannot hold: NUL, and the surrogate halves that are no character.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class InputRejected(ApplicationError):
    """400: the input cannot be stored as sent. `field` names where, `reason` says why."""

    def __init__(self, message: str, *, field: str, reason: str, code: str = "invalid_input", **extra: Any) -> None:
        super().__init__(message, {"code": code, "field": field, "reason": reason, **extra})


def max_json_depth() -> int:
    return int(getattr(settings, "INPUT_GUARD", {}).get("MAX_JSON_DEPTH", DEFAULT_MAX_JSON_DEPTH))


# --- text and JSON values ---------------------------------------------------------------------------------


def text_problem(value: str) -> str | None:
    """Why PostgreSQL cannot store the text, or None."""
    match = _UNSTORABLE.search(value)
    if match is None:
        return None
    if match.group() == "\x00":
        return f"contains a NUL character at position {match.start()}"
    return f"contains an unpaired surrogate at position {match.start()}"


def text_check(value: str, *, field: str) -> str:
    problem = text_problem(value)
    if problem:
        raise InputRejected(f"{field} {problem}.", field=field, reason=problem, code="bad_character")
    return value


def json_check(value: Any, *, field: str, max_depth: int | None = None) -> Any:
    """Walk a decoded JSON value without recursion: depth within the limit, every key and string storable."""
    limit = max_json_depth() if max_depth is None else max_depth
    stack: list[tuple[Any, int, str]] = [(value, 1, field)]
    while stack:
        node, depth, path = stack.pop()
        if isinstance(node, str):
            text_check(node, field=path)
        elif isinstance(node, dict | list):
            if depth > limit:
                reason = f"nested deeper than {limit} levels"
                raise InputRejected(f"{path} is {reason}.", field=path, reason=reason, code="too_deep")
            if isinstance(node, dict):
                for key, child in node.items():
                    text_check(str(key), field=f"{path} key")
                    stack.append((child, depth + 1, f"{path}.{key}"))
            else:
                stack.extend((child, depth + 1, f"{path}[{i}]") for i, child in enumerate(node))
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_loads(raw: bytes | str, *, field: str = "body", max_depth: int | None = None) -> Any:
    """Decode JSON with the guard's limits; bad bytes name their offset, bad JSON its line and column."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            reason = f"not UTF-8 at byte {exc.start}"
            raise InputRejected(
                f"{field} is {reason}.", field=field, reason=reason, code="bad_encoding", byte=exc.start
            )
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        reason = f"nested deeper than {max_json_depth() if max_depth is None else max_depth} levels"
        raise InputRejected(f"{field} is {reason}.", field=field, reason=reason, code="too_deep")
    except json.JSONDecodeError as exc:
        reason = f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise InputRejected(f"{field} is {reason}.", field=field, reason=reason, code="invalid_json")
    except ValueError as exc:
        raise InputRejected(f"{field}: {exc}.", field=field, reason=str(exc), code="invalid_json")
    return json_check(value, field=field, max_depth=max_depth)


class BoundedJSONParser(JSONParser):
    """The default API parser: JSON with bounded depth and storable strings, and an object unless the view
    sets `accepts_json_list = True` (a bare list of records)."""

    def parse(self, stream: IO, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        raw = stream.read() if stream is not None else b""
        data = json_loads(raw, field="body")
        view = (parser_context or {}).get("view")
        allowed: tuple[type, ...] = (dict, list) if getattr(view, "accepts_json_list", False) else (dict,)
        if not isinstance(data, allowed):
            expected = "a JSON object or list" if len(allowed) == 2 else "a JSON object"
            reason = f"expected {expected}, got {type(data).__name__}"
            raise InputRejected(f"The request body must be {expected}.", field="body", reason=reason, code="bad_body")
        return data


# --- integers ---------------------------------------------------------------------------------------------


def integer_range(field: models.Field) -> tuple[int, int] | None:
    """The PostgreSQL range of an integer model field (positive fields start at 0)."""
    if isinstance(field, models.SmallIntegerField | models.PositiveSmallIntegerField | models.SmallAutoField):
        low, high = SMALLINT_RANGE
    elif isinstance(field, models.BigIntegerField | models.PositiveBigIntegerField | models.BigAutoField):
        low, high = BIGINT_RANGE
    elif isinstance(field, models.IntegerField | models.AutoField):
        low, high = INTEGER_RANGE
    else:
        return None
    if isinstance(
        field, models.PositiveIntegerField | models.PositiveSmallIntegerField | models.PositiveBigIntegerField
    ):
        low = 0
    return low, high


def integer_check(value: Any, *, field: str, bounds: tuple[int, int] = BIGINT_RANGE) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and not bounds[0] <= value <= bounds[1]:
        reason = f"out of range {bounds[0]}..{bounds[1]}"
        raise InputRejected(f"{field} is {reason}.", field=field, reason=reason, code="out_of_range")
    return value


def instance_check(instance: models.Model) -> None:
    """Every concrete field of a row about to be saved: text storable, JSON bounded, integers in range."""
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname, None)
        if value is None:
            continue
        if isinstance(field, models.JSONField):
            json_check(value, field=field.name)
        elif isinstance(value, str):
            text_check(value, field=field.name)
        elif (bounds := integer_range(field)) is not None:
            integer_check(value, field=field.name, bounds=bounds)


def _check_before_save(sender: type, instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        instance_check(instance)


def _bound_integer_fields() -> None:
    """DRF and Django form integer fields accept no value a bigint column cannot hold unless told otherwise."""
    from django import forms
    from rest_framework import fields as drf_fields

    for cls in (drf_fields.IntegerField, forms.IntegerField):
        if getattr(cls, "_input_guard_bounded", False):
            continue
        original = cls.__init__

        def __init__(self, *args: Any, __original: Any = original, **kwargs: Any) -> None:
            if kwargs.get("max_value") is None:
                kwargs["max_value"] = BIGINT_RANGE[1]
            if kwargs.get("min_value") is None:
                kwargs["min_value"] = BIGINT_RANGE[0]
            __original(self, *args, **kwargs)

        cls.__init__ = __init__
        cls._input_guard_bounded = True


def install() -> None:
    """Called once from an AppConfig.ready(): the model-level check and the integer bounds."""
    pre_save.connect(_check_before_save, dispatch_uid="config.input_guard.pre_save")
    _bound_integer_fields()


# --- web forms and query strings --------------------------------------------------------------------------


def _opaque_params() -> set[str]:
    return set(getattr(settings, "INPUT_GUARD", {}).get("OPAQUE_ID_PARAMS", ["task_id"]))


def params_check(params: Any, *, where: str, integer_ids: bool = True) -> None:
    """Query-string and form values: storable text; with `integer_ids` (the web pages, whose views read
    ids straight from the form), a `*_id` parameter is an integer a bigint can hold (parameters listed in
    INPUT_GUARD["OPAQUE_ID_PARAMS"] carry opaque ids and are only text-checked). The API's serializers
    type their own ids (an erasure `user_id` is an end user's opaque id)."""
    opaque = _opaque_params()
    for name, values in params.lists():
        text_check(name, field=f"{where} parameter name")
        for value in values:
            if not isinstance(value, str):
                continue
            text_check(value, field=name)
            if integer_ids and name.endswith("_id") and name not in opaque and value != "":
                if not re.fullmatch(r"-?\d{1,19}", value.strip()):
                    reason = "not an integer"
                    raise InputRejected(f"{name} is {reason}.", field=name, reason=reason, code="bad_value")
                integer_check(int(value), field=name)


class InputGuardMiddleware:
    """Refuse unstorable query strings and form posts before any view runs: the one web-side guard."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        web_page = not request.path.startswith("/api/")
        try:
            params_check(request.GET, where="query", integer_ids=web_page)
            if request.method == "POST" and request.content_type in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            ):
                params_check(request.POST, where="form", integer_ids=web_page)
        except InputRejected as exc:
            body = {"message": exc.message, "extra": exc.extra}
            if not web_page:
                return JsonResponse(body, status=exc.status_code)
            return HttpResponse(exc.message, status=exc.status_code, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


# --- CSV files --------------------------------------------------------------------------------------------


def text_stream(stream: IO, *, field: str = "file") -> io.StringIO | IO:
    """A text view of an uploaded file that must be UTF-8; the error names the first bad byte."""
    if isinstance(stream.read(0), str):
        return stream
    raw = stream.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        reason = f"not UTF-8 at byte {exc.start} (line {line})"
        raise InputRejected(
            f"The {field} is {reason}.", field=field, reason=reason, code="bad_encoding", byte=exc.start, line=line
        )
    return io.StringIO(text, newline="")


def csv_rows(stream: IO, *, delimiter: str = ",", field: str = "file") -> Iterator[list[str]]:
    """Rows of a UTF-8 CSV with one width: the header's. Row numbers count the header as row 1."""
    reader = csv.reader(text_stream(stream, field=field), delimiter=delimiter, strict=True)
    width = None
    try:
        for row in reader:
            if not row:
                continue
            if width is None:
                width = len(row)
            elif len(row) != width:
                reason = f"row {reader.line_num} has {len(row)} fields, expected {width}"
                raise InputRejected(
                    f"The {field} is ragged: {reason}.",
                    field=field,
                    reason=reason,
                    code="ragged_csv",
                    row=reader.line_num,
                )
            for cell in row:
                text_check(cell, field=f"{field} row {reader.line_num}")
            yield row
    except csv.Error as exc:
        reason = f"malformed CSV at line {reader.line_num}: {exc}"
        raise InputRejected(f"The {field} is {reason}.", field=field, reason=reason, code="invalid_csv")


# --- CSV exports ------------------------------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell_safe(value: Any) -> Any:
    """OWASP's CSV-injection rule: a text cell a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
