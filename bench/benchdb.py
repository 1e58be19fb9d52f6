"""Shared set-up for benchmark scripts: each benchmark runs in its own database on DATABASE_URL's server."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit


def database_url(name: str) -> str:
    """DATABASE_URL with its database name replaced by `name`."""
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/labeling")
    return urlunsplit(urlsplit(base)._replace(path=f"/{name}"))


def recreate_database(name: str) -> None:
    import psycopg

    admin = database_url("postgres").replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(database: str) -> None:
    os.environ["DATABASE_URL"] = database_url(database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
