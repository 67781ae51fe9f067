"""``lockt_async.fleet``: run one job on many Lockt instances from one process.

An integrator keeping hundreds of customer instances in sync runs the same job
(a ``sync``, a report) once per instance. One instance takes one write at a
time, so the work per instance is sequential and the fleet's speed comes from
running instances side by side::

    from lockt_async import fleet

    instances = fleet.load_instances("fleet.toml")      # names, URLs, env var names
    async def job(lockt, instance):
        return await lockt.users.sync(await read_source(instance.name))
    results = await fleet.run(instances, job, concurrency=50)
    for r in results:
        print(r.name, "ok" if r.ok else r.error)

``run`` gives each instance its own coroutine, its own ``LocktClient`` and so
its own write gate (one write in flight per instance, as the server demands),
and at most ``concurrency`` instances at once. An instance that fails is a
result with its ``error``; the others carry on. An instance slower than
``timeout`` is stopped and reported as ``TimeoutError`` without holding up the
rest beyond its one slot. Cancelling ``run`` cancels every instance (each
client's own cancel bound applies to a write in flight).

Credentials never live in a file or a result: an :class:`Instance` names the
environment variables that hold them (``api_user_env``, ``api_key_env``), read
when its client is built. For many workers on several hosts see
``lockt_async.temporal`` (the ``temporal`` extra).
"""

from __future__ import annotations

import math
import os
import re
import time
import tomllib
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Generic, TypeVar

import anyio
import attrs
import httpx

from ._client import LocktClient
from .errors import ConfigurationError

__all__ = ["Instance", "InstanceResult", "env_name", "load_instances", "run"]

T = TypeVar("T")

#: Keys of an instance in a fleet file that are passed to ``LocktClient``.
CLIENT_OPTIONS = frozenset(
    {"base_url", "timezone", "record_limit", "timeout", "max_retries", "read_concurrency",
     "required_fields", "settle", "allow_insecure_http"}
)  # fmt: skip
_SECRET_KEYS = frozenset({"api_key", "apikey", "api_user", "apiuser", "password", "secret"})
#: An instance name: also the tail of its Temporal workflow id.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


def env_name(name: str, what: str) -> str:
    """The default environment variable of an instance's credential:
    ``LOCKT_<NAME>_<WHAT>`` with the name upper-cased and ``.``/``-`` as ``_``
    (``env_name("acme-east", "API_KEY") == "LOCKT_ACME_EAST_API_KEY"``)."""
    return f"LOCKT_{re.sub(r'[^A-Za-z0-9]', '_', name).upper()}_{what}"


@attrs.frozen
class Instance:
    """One Lockt instance of a fleet: its name and where its credentials are.

    ``name`` identifies the instance in results, logs and workflow ids (letters,
    digits, ``.``, ``_``, ``-``); it is not a credential. ``api_user_env`` and
    ``api_key_env`` name the environment variables holding the credentials
    (default ``LOCKT_<NAME>_API_USER`` / ``LOCKT_<NAME>_API_KEY``, see
    :func:`env_name`). ``options`` are more ``LocktClient`` keywords (``base_url``,
    ``timezone``, ``record_limit``...); ``extra`` is yours (a source path...).
    """

    name: str
    api_user_env: str = ""
    api_key_env: str = ""
    options: Mapping[str, Any] = attrs.field(factory=dict)
    extra: Mapping[str, Any] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not NAME_PATTERN.match(self.name):
            raise ConfigurationError(
                f"name must be letters, digits, '.', '_' or '-' (at most 200), got {self.name!r}"
            )
        if not self.api_user_env:
            object.__setattr__(self, "api_user_env", env_name(self.name, "API_USER"))
        if not self.api_key_env:
            object.__setattr__(self, "api_key_env", env_name(self.name, "API_KEY"))
        secrets = sorted(_SECRET_KEYS & set(self.options))
        if secrets:
            raise ConfigurationError(
                f"options of instance {self.name!r} must not carry credentials ({secrets[0]}): "
                "name the environment variables with api_user_env / api_key_env"
            )

    def credentials(self, environ: Mapping[str, str] | None = None) -> tuple[str, str]:
        """``(api_user, api_key)`` read from the environment now.

        Raises:
            ConfigurationError: a variable is unset or empty (the message names the
                variable, never a value).
        """
        env = os.environ if environ is None else environ
        values = []
        for var in (self.api_user_env, self.api_key_env):
            value = env.get(var, "")
            if not value.strip():
                raise ConfigurationError(
                    f"instance {self.name!r}: environment variable {var} is not set"
                )
            values.append(value)
        return values[0], values[1]

    def client(self, **overrides: Any) -> LocktClient:
        """A ``LocktClient`` for this instance (credentials from the environment;
        ``overrides`` win over ``options``)."""
        api_user, api_key = self.credentials()
        return LocktClient(api_user, api_key, **{**self.options, **overrides})


@attrs.define(eq=False)
class InstanceResult(Generic[T]):
    """What ``run`` did on one instance: the job's return ``value`` or its ``error``."""

    name: str
    value: T | None = None
    error: Exception | None = None
    #: Seconds from the instance's start (its slot taken) to its end.
    elapsed: float = 0.0
    #: Seconds it waited for a slot (``concurrency`` reached).
    waited: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the job returned."""
        return self.error is None

    def __repr__(self) -> str:
        state = "ok" if self.error is None else f"error={type(self.error).__name__}"
        return f"<InstanceResult {self.name} {state} {self.elapsed:.3f}s>"


Job = Callable[["LocktClient", Instance], Awaitable[T]]


async def run(
    instances: Iterable[Instance],
    job: Job[T],
    *,
    concurrency: int = 10,
    timeout: float | None = None,
    client_options: Mapping[str, Any] | None = None,
    on_result: Callable[[InstanceResult[T]], None] | None = None,
) -> list[InstanceResult[T]]:
    """Run ``job(client, instance)`` on every instance, ``concurrency`` at a time.

    Each instance gets its own ``LocktClient`` (built with :meth:`Instance.client`
    and ``client_options``, closed when its job ends) and so its own write gate;
    they share one ``ssl_context`` unless ``client_options`` names one.
    A job that raises (or whose client cannot be built: a missing variable) is
    a result with ``error``; the other instances run on. ``timeout`` bounds each
    instance's job (its slot included, not its wait for one); past it the result's
    error is ``TimeoutError``. ``on_result`` is called as each instance ends.
    Returns the results in the order of ``instances``. Cancelling ``run`` cancels
    every job; nothing is reported for them.

    Raises:
        ConfigurationError: ``concurrency``, ``timeout`` or the names are unusable
            (checked before anything runs).
    """
    todo = list(instances)
    _check_run(todo, concurrency, timeout)
    common = _shared_options(client_options)
    limiter = anyio.CapacityLimiter(concurrency)
    results = [InstanceResult[T](item.name) for item in todo]

    async def one(index: int) -> None:
        item, result = todo[index], results[index]
        asked = time.perf_counter()
        async with limiter:
            started = time.perf_counter()
            result.waited = started - asked
            try:
                with anyio.fail_after(timeout):
                    async with item.client(**common) as client:
                        result.value = await job(client, item)
            except Exception as exc:  # reported per instance; cancellation is not an Exception
                result.error = exc
            finally:
                result.elapsed = time.perf_counter() - started
        if on_result is not None:
            on_result(result)

    async with anyio.create_task_group() as tg:
        for index in range(len(todo)):
            tg.start_soon(one, index)
    return results


def _check_run(todo: list[Instance], concurrency: int, timeout: float | None) -> None:
    """``run``'s arguments, checked before anything runs."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ConfigurationError(f"concurrency must be a positive int, got {concurrency!r}")
    if timeout is not None and (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not (timeout > 0 and math.isfinite(timeout))
    ):
        raise ConfigurationError(f"timeout must be a positive number of seconds, got {timeout!r}")
    seen: set[str] = set()
    for item in todo:
        if not isinstance(item, Instance):
            raise ConfigurationError(
                f"instances must be lockt_async.fleet.Instance, got {type(item).__name__}"
            )
        if item.name in seen:
            raise ConfigurationError(f"instances: name {item.name!r} appears twice")
        seen.add(item.name)


def _shared_options(client_options: Mapping[str, Any] | None) -> dict[str, Any]:
    """What every instance's client is built with (one ``ssl_context`` unless given)."""
    common = dict(client_options or {})
    if not {"transport", "http_client", "ssl_context"} & set(common):
        # One certificate store for the fleet: each client building its own costs
        # ~75 ms of CPU (the CA bundle parsed again), 15 s for 200 instances.
        common["ssl_context"] = httpx.create_ssl_context()
    return common


def load_instances(path: str | Path) -> list[Instance]:
    """Read a fleet file (TOML): ``[defaults]`` and one ``[[instance]]`` table each.

    An instance has ``name``, optionally ``api_user_env``/``api_key_env`` (the
    variables holding its credentials), ``LocktClient`` options (``base_url``,
    ``timezone``, ``record_limit``, ``timeout``...) and anything else, kept in
    ``Instance.extra`` (a ``source`` file for ``lockt sync-many``...). The file
    never holds a credential: an ``api_key`` key is refused (credentials are read
    from the environment when a client is built).

    Raises:
        ConfigurationError: the file is not TOML, has no instance, an instance
            lacks a name or repeats one, or a credential is written in it.
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"fleet file {str(path)!r}: {exc}") from None
    defaults = data.get("defaults", {})
    tables = data.get("instance", [])
    if not isinstance(defaults, dict) or not isinstance(tables, list) or not tables:
        raise ConfigurationError(
            f"fleet file {str(path)!r} must have [[instance]] tables (and optionally [defaults])"
        )
    out: list[Instance] = []
    names: set[str] = set()
    for position, table in enumerate(tables, 1):
        if not isinstance(table, dict):
            raise ConfigurationError(f"fleet file: instance #{position} is not a table")
        merged = {**defaults, **table}
        secrets = sorted(_SECRET_KEYS & set(merged))
        if secrets:
            raise ConfigurationError(
                f"fleet file: instance #{position} has {secrets[0]!r}; credentials never go "
                "in the file: name environment variables with api_user_env / api_key_env"
            )
        name = merged.pop("name", None)
        if not isinstance(name, str):
            raise ConfigurationError(f"fleet file: instance #{position} has no name")
        if name in names:
            raise ConfigurationError(f"fleet file: name {name!r} appears twice")
        names.add(name)
        out.append(
            Instance(
                name,
                api_user_env=str(merged.pop("api_user_env", "")),
                api_key_env=str(merged.pop("api_key_env", "")),
                options={k: v for k, v in merged.items() if k in CLIENT_OPTIONS},
                extra={k: v for k, v in merged.items() if k not in CLIENT_OPTIONS},
            )
        )
    return out
