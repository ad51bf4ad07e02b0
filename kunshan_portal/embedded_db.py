"""The embedded default database: a private PostgreSQL under .data/, started on demand by pgserver.

Used only when DATABASE_URL is not set (``make run``, plain ``make test``). The server is left running
between commands so that the web server, management commands and tests share it; ``make stop-db``
stops it.
"""

from pathlib import Path

EMBEDDED_DB_NAME = "kunshan"


def embedded_database(base_dir: Path) -> dict:
    """Start (or reuse) the private server and return Django DATABASES settings for it."""
    import os

    # pgserver asks platformdirs for a runtime folder; give it one of ours instead of a warning.
    run_dir = base_dir / ".data" / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    run_dir.chmod(0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(run_dir))
    try:
        import pgserver
    except ImportError as exc:  # pragma: no cover - depends on the Python version
        raise RuntimeError(
            "The embedded PostgreSQL needs the 'pgserver' package (Python 3.11 or 3.12). "
            "Install it, or set DATABASE_URL to a PostgreSQL server."
        ) from exc

    pgdata = base_dir / ".data" / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    del server  # cleanup_mode=None: the server keeps running for the next process
    database = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": EMBEDDED_DB_NAME,
        "USER": "postgres",
        "HOST": str(pgdata),
        "PORT": "",
    }
    ensure_database(database)
    return database


def ensure_database(database: dict) -> None:
    """Create the settings' database on its server if it does not exist yet."""
    import psycopg2

    conn = psycopg2.connect(
        dbname="postgres",
        user=database.get("USER") or "postgres",
        password=database.get("PASSWORD") or None,
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
    )
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{database["NAME"]}"')
    finally:
        conn.close()
