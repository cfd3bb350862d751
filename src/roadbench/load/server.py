"""The target app's process: ``python -m roadbench.load.server`` (started by roadbench load).

Reads the database settings from ``$ROADBENCH_SERVER_DATABASE`` (JSON: the throwaway database
the parent made and seeded), serves the app with waitress (or gunicorn) on 127.0.0.1 and a
free port unless told otherwise, and reports the port on stdout as ``ROADBENCH_PORT <n>``.
Never Django's runserver.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

PORT_LINE = "ROADBENCH_PORT"
DATABASE_ENV = "ROADBENCH_SERVER_DATABASE"


def configure(database: dict[str, object]) -> None:
    from roadbench.database import configure_django

    config = dict(database)
    if config.get("ENGINE") != "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 300  # persistent connections, one per server thread
    else:
        # WAL lets readers run beside the writer; IMMEDIATE transactions and a busy timeout
        # make concurrent writers wait instead of failing with "database is locked".
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    configure_django(
        DATABASES={"default": config},
        ROOT_URLCONF="roadbench.load.app",
        ALLOWED_HOSTS=["*"],
        MIDDLEWARE=["roadbench.load.app.QueryCountMiddleware"],
    )
    from roadbench.plugins import load_registries

    load_registries()


def main(argv: list[str] | None = None) -> int:
    from roadbench.load.lifeline import die_with_parent

    die_with_parent()  # before anything slow: a parent killed now still takes this along
    parser = argparse.ArgumentParser(prog="python -m roadbench.load.server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--server", choices=["waitress", "gunicorn"], default="waitress")
    parser.add_argument("--plugin", action="append", default=[], help="as roadbench --plugin")
    args = parser.parse_args(argv)

    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(name)s: %(message)s")
    configure(json.loads(os.environ[DATABASE_ENV]))
    if args.plugin:  # after configure: a plugin's models need Django's settings
        from roadbench.plugins import load_module

        for module in args.plugin:
            load_module(module)
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    if args.server == "gunicorn":
        return _gunicorn(application, args)
    from waitress import create_server

    try:
        server = create_server(
            application, host=args.host, port=args.port, threads=args.threads, ident="roadbench"
        )
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 3
    print(f"{PORT_LINE} {server.effective_port}", flush=True)
    server.run()
    return 0


def _gunicorn(application: object, args: argparse.Namespace) -> int:
    """gunicorn with threads (Unix only); the port must be given, as gunicorn binds it itself."""
    import socket

    from gunicorn.app.base import BaseApplication

    port = args.port
    if port == 0:
        with socket.socket() as probe:
            probe.bind((args.host, 0))
            port = probe.getsockname()[1]

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{args.host}:{port}")
            self.cfg.set("workers", 1)
            self.cfg.set("threads", args.threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("accesslog", None)
            self.cfg.set("when_ready", lambda _server: print(f"{PORT_LINE} {port}", flush=True))

        def load(self) -> object:
            return application

    Server().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
