"""``lockt``: the command line (bulk import/export, demo, simulator, events).

Exit codes (``EXIT_CODES``; a script can rely on them, docs/guides/nightly.md):

    0    everything applied (or, with --dry-run, would be)
    1    some records failed (the failures file and --report list them)
    2    bad input or configuration: usage, a bad column or --map, a bad option
    3    connection or authentication failure (nothing more could be done)
    4    the removal guard held removals back (approve with --approve PLAN_ID)
    130  interrupted by Ctrl-C (SIGINT), after the write in flight
    143  stopped by SIGTERM, after the write in flight

Errors are one line on stderr (``error: ...``); ``--debug`` shows tracebacks
and DEBUG logs.
"""

from __future__ import annotations

import sys
import traceback

import click

from .._version import __version__
from ..errors import AuthenticationError, ConfigurationError, LocktError, TransportError
from . import _logging
from ._commands import COMMANDS
from ._config import (
    EXIT_CODES,
    EXIT_CONNECT,
    EXIT_FAILED,
    EXIT_GUARD,
    EXIT_OK,
    EXIT_SIGINT,
    EXIT_SIGTERM,
    EXIT_USAGE,
    Config,
    describe,
)
from ._demo import demo
from ._sync import sync
from ._sync_many import sync_many

__all__ = [
    "EXIT_CODES",
    "EXIT_CONNECT",
    "EXIT_FAILED",
    "EXIT_GUARD",
    "EXIT_OK",
    "EXIT_SIGINT",
    "EXIT_SIGTERM",
    "EXIT_USAGE",
    "Config",
    "cli",
    "main",
]

_state = {"debug": False}


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="lockt")
@click.option("--api-user", envvar="LOCKT_API_USER", help="API user [env: LOCKT_API_USER].")
@click.option(
    "--api-key",
    envvar="LOCKT_API_KEY",
    help="API key [env: LOCKT_API_KEY]; prefer the environment (flags show in `ps`).",
)
@click.option(
    "--base-url",
    envvar="LOCKT_BASE_URL",
    help="API base URL [env: LOCKT_BASE_URL; default: the Lockt cloud].",
)
@click.option(
    "--allow-insecure-http",
    is_flag=True,
    envvar="LOCKT_ALLOW_INSECURE_HTTP",
    help="Allow a plain http:// base URL to a host that is not loopback (a test host); "
    "the api key then travels in clear text [env: LOCKT_ALLOW_INSECURE_HTTP].",
)
@click.option("--debug", is_flag=True, help="Show tracebacks and DEBUG logs.")
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="-v: one INFO line per library call; -vv: DEBUG (pages, HTTP requests).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log lines on stderr as text or as one JSON object per line.",
)
@click.pass_context
def cli(
    ctx: click.Context,
    api_user: str | None,
    api_key: str | None,
    base_url: str | None,
    allow_insecure_http: bool,
    debug: bool,
    verbose: int,
    log_format: str,
) -> None:
    """Bulk import and export for the Lockt SecureAccess Cloud API.

    Start with `lockt demo`: it runs a simulated instance and imports 5,000 card
    holders into it. Exit codes: 0 everything applied; 1 some records failed; 2 bad
    input or configuration; 3 connection or authentication failure; 4 the removal
    guard held removals back (see --approve); 130 interrupted (Ctrl-C); 143 SIGTERM.
    """
    _state["debug"] = debug
    _logging.configure(2 if debug else verbose, log_format, sys.stderr)
    ctx.obj = Config(api_user, api_key, base_url, debug, allow_insecure_http)


def _register() -> None:
    cli.add_command(demo)
    cli.add_command(sync)
    cli.add_command(sync_many)
    for command in COMMANDS:
        cli.add_command(command)


_register()


def _fail(message: str, code: int) -> int:
    click.echo(f"error: {' '.join(message.split())}", err=True)
    return code


def _never_fail_on_print() -> None:
    # A value that the terminal's encoding cannot show (a lone surrogate from a
    # JSON escape, an undecodable input byte) is printed escaped, never raised.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> None:
    """The ``lockt`` entry point: runs the group, turns errors into exit codes.

    Without ``--debug`` nothing prints a traceback: an unexpected error is one
    ``error:`` line too (exit 1), naming its type.
    """
    _state["debug"] = False
    _never_fail_on_print()
    from ._run import Terminated, note_inherited_signals

    note_inherited_signals()
    try:
        code = cli.main(args=argv, prog_name="lockt", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("error: aborted", err=True)
        code = EXIT_SIGINT
    except click.UsageError as exc:
        exc.show()
        code = EXIT_USAGE
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except ConfigurationError as exc:
        from ._io import cli_hint

        code = _fail(cli_hint(str(exc)), EXIT_USAGE)
    except (TransportError, AuthenticationError) as exc:
        if _state["debug"]:
            traceback.print_exc()
        code = _fail(describe(exc), EXIT_CONNECT)
    except LocktError as exc:
        if _state["debug"]:
            traceback.print_exc()
        code = _fail(f"{type(exc).__name__}: {exc}", EXIT_FAILED)
    except KeyboardInterrupt:
        code = _fail("interrupted", EXIT_SIGINT)
    except Terminated:
        code = _fail("terminated (SIGTERM)", EXIT_SIGTERM)
    except OSError as exc:  # a file that cannot be written, a full disk
        if _state["debug"]:
            traceback.print_exc()
        where = f"{exc.filename}: " if exc.filename else ""
        code = _fail(f"{where}{exc.strerror or exc}", EXIT_USAGE)
    except Exception as exc:
        if _state["debug"]:
            traceback.print_exc()
        code = _fail(
            f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback "
            "and please report it)",
            EXIT_FAILED,
        )
    sys.exit(code if isinstance(code, int) else 0)
