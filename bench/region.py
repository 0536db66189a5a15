"""What the benchmarks share: the PostgreSQL database holding the demo region, the
environment the application runs in, and its management commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/rits_bench"


def database_url(benchmark: str) -> str:
    url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE)
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(f"{benchmark} measures PostgreSQL: point DATABASE_URL at a PostgreSQL database.")
    return url


def ensure_database(url: str) -> None:
    """Create the database when it does not exist yet (connecting to 'postgres')."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    params = {
        "host": cfg["HOST"] or "127.0.0.1",
        "port": cfg["PORT"] or 5432,
        "user": cfg["USER"] or "postgres",
        "password": cfg["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]])
        if exists.fetchone() is None:
            print(f"Creating database {cfg['NAME']} …")
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def app_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="rits.conf.settings",
        # Demo mode: the demo logins skip the second factor, and both benchmarks build the
        # region with the same (demo) BSN keys. Never DEBUG in a benchmark (DEBUG keeps
        # every query in memory).
        RITS_ENVIRONMENT="demo",
        RITS_DEBUG="0",
        RITS_LOG_LEVEL="WARNING",
        # WhiteNoise warns once per worker that var/static is absent; it serves from finders.
        PYTHONWARNINGS="ignore:No directory at:UserWarning",
        PYTHONPATH=os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p),
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True)
