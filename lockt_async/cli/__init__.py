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
from collections.abc import Callable
from typing import Any

import click

from .._version import __version__
from ..errors import AuthenticationError, ConfigurationError, LocktError, TransportError
from . import _exit, _logging
from ._commands import COMMANDS
from ._config import Config, describe, exit_code_for
from ._demo import demo
from ._exit import *  # noqa: F403  # the exit codes, for scripts: _exit.__all__ lists them
from ._io import cli_hint
from ._run import Terminated, note_inherited_signals
from ._sync import sync
from ._sync_many import sync_many

__all__ = ["Config", "cli", "main"]
__all__ += _exit.__all__

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


def _fail(message: str) -> None:
    click.echo(f"error: {' '.join(message.split())}", err=True)


def _never_fail_on_print() -> None:
    # A value that the terminal's encoding cannot show (a lone surrogate from a
    # JSON escape, an undecodable input byte) is printed escaped, never raised.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _os_line(exc: OSError) -> str:  # a file that cannot be written, a full disk
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}"


def _unexpected_line(exc: BaseException) -> str:
    return (
        f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback "
        "and please report it)"
    )


#: How each way a command ends is told, first match wins: the exception, its
#: ``error:`` line (None: click shows its own) and whether ``--debug`` adds the
#: traceback. The exit code is ``exit_code_for``'s.
_ENDINGS: tuple[tuple[type[BaseException], Callable[[Any], str] | None, bool], ...] = (
    (click.exceptions.Abort, lambda _: "aborted", False),
    (click.ClickException, None, False),
    (ConfigurationError, lambda exc: cli_hint(str(exc)), False),
    (TransportError, describe, True),
    (AuthenticationError, describe, True),
    (LocktError, lambda exc: f"{type(exc).__name__}: {exc}", True),
    (KeyboardInterrupt, lambda _: "interrupted", False),
    (Terminated, lambda _: "terminated (SIGTERM)", False),
    (OSError, _os_line, True),
    (Exception, _unexpected_line, True),
)


def _ended(exc: BaseException) -> int:
    """Tell how the command ended (one ``error:`` line) and return its exit code."""
    line, trace = next((line, trace) for kind, line, trace in _ENDINGS if isinstance(exc, kind))
    if trace and _state["debug"]:
        traceback.print_exc()
    if line is None:
        assert isinstance(exc, click.ClickException)
        exc.show()
    else:
        _fail(line(exc))
    return exit_code_for(exc)


def main(argv: list[str] | None = None) -> None:
    """The ``lockt`` entry point: runs the group, turns errors into exit codes.

    Without ``--debug`` nothing prints a traceback: an unexpected error is one
    ``error:`` line too (exit 1), naming its type.
    """
    _state["debug"] = False
    _never_fail_on_print()
    note_inherited_signals()
    try:
        code = cli.main(args=argv, prog_name="lockt", standalone_mode=False)
    except (Exception, KeyboardInterrupt, Terminated) as exc:
        code = _ended(exc)
    sys.exit(code if isinstance(code, int) else 0)
