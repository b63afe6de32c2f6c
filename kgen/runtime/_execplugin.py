"""Exec credential plugins (``client.authentication.k8s.io``): client-go's ``plugin/pkg/client/auth/exec``.

:class:`ExecConfig` is a kubeconfig ``users[].user.exec`` stanza (checked by
:mod:`kgen.runtime._kubeconfig.resolution`); :class:`ExecCredentialSource` runs the plugin and caches
its ``ExecCredential`` until ``expirationTimestamp``, as a
:class:`~kgen.runtime._credentials.CredentialSource`; :func:`parse_exec_credential` checks what a
plugin printed, as client-go does. Secrets never appear in reprs or in exception messages.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import kgen.runtime._tls as tls
from kgen.runtime._credentials import Credentials
from kgen.runtime._errors import ExecPluginError

if TYPE_CHECKING:
    import asyncio

__all__ = [
    "DEFAULT_EXPIRY_SKEW",
    "EXEC_API_VERSIONS",
    "EXEC_CLUSTER_EXTENSION",
    "EXEC_INFO_ENV",
    "EXEC_INTERACTIVE_MODES",
    "ExecCluster",
    "ExecConfig",
    "ExecCredentialSource",
    "ExecPluginError",
    "parse_exec_credential",
    "parse_rfc3339",
]

EXEC_API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")
EXEC_INTERACTIVE_MODES = ("Never", "IfAvailable", "Always")
#: The environment variable carrying the ``ExecCredential`` request to the plugin.
EXEC_INFO_ENV = "KUBERNETES_EXEC_INFO"
#: The cluster ``extensions`` entry passed to the plugin as ``spec.cluster.config``.
EXEC_CLUSTER_EXTENSION = "client.authentication.k8s.io/exec"

#: A credential is treated as expired this long before its ``expirationTimestamp``, so that a
#: request is not sent with a token that expires on the way.
DEFAULT_EXPIRY_SKEW = timedelta(seconds=10)
# How much of a failing plugin's stderr goes into the error (its tail: that is where the reason is).
_STDERR_LIMIT = 2000


@dataclass(frozen=True)
class ExecCluster:
    """What a plugin learns about the cluster with ``provideClusterInfo`` (``spec.cluster``)."""

    server: str
    certificate_authority_data: bytes | None = None
    tls_server_name: str | None = None
    insecure_skip_tls_verify: bool = False
    proxy_url: str | None = None
    #: The cluster's ``extensions`` entry named ``client.authentication.k8s.io/exec`` (any JSON
    #: value).
    config: Any = None

    def to_json(self) -> dict[str, Any]:
        """The ``spec.cluster`` object, with client-go's field names and ``omitempty`` rules."""
        out: dict[str, Any] = {"server": self.server}
        if self.tls_server_name:
            out["tls-server-name"] = self.tls_server_name
        if self.insecure_skip_tls_verify:
            out["insecure-skip-tls-verify"] = True
        if self.certificate_authority_data:
            out["certificate-authority-data"] = base64.b64encode(
                self.certificate_authority_data
            ).decode("ascii")
        if self.proxy_url:
            out["proxy-url"] = self.proxy_url
        if self.config is not None:
            out["config"] = self.config
        return out


@dataclass(frozen=True, repr=False)
class ExecConfig:
    """An exec plugin as kubeconfig's ``users[].user.exec`` describes it (paths already resolved).

    ``cluster`` is sent to the plugin only when ``provide_cluster_info`` is set.
    ``interactive_mode`` is one of ``Never``, ``IfAvailable`` (interactive when stdin is a terminal)
    and ``Always`` (fail unless it is).
    """

    command: str
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()  # added to the current environment
    api_version: str = "client.authentication.k8s.io/v1"
    interactive_mode: str = "Never"
    provide_cluster_info: bool = False
    install_hint: str | None = None
    cluster: ExecCluster | None = None

    def __post_init__(self) -> None:
        if not self.command:
            raise ValueError("an exec plugin needs a command")
        if self.api_version not in EXEC_API_VERSIONS:
            raise ValueError(
                f"exec plugin apiVersion {self.api_version!r} is not one of "
                f"{', '.join(EXEC_API_VERSIONS)}"
            )
        if self.interactive_mode not in EXEC_INTERACTIVE_MODES:
            raise ValueError(
                f"exec plugin interactiveMode {self.interactive_mode!r} is not one of "
                f"{', '.join(EXEC_INTERACTIVE_MODES)}"
            )

    def __repr__(self) -> str:
        # Plugins are sometimes handed secrets through env: show the names only.
        env = ", ".join(f"{name}=..." for name, _ in self.env)
        return (
            f"ExecConfig(command={self.command!r}, args={self.args!r}, env=[{env}], "
            f"api_version={self.api_version!r}, interactive_mode={self.interactive_mode!r}, "
            f"provide_cluster_info={self.provide_cluster_info!r})"
        )

    def cache_key(self) -> str:
        """A stable key for sharing one source between configurations with the same plugin."""
        cluster = self.cluster.to_json() if self.cluster is not None else None
        return json.dumps(
            [
                self.command,
                self.args,
                self.env,
                self.api_version,
                self.interactive_mode,
                self.provide_cluster_info,
                self.install_hint,
                cluster,
            ],
            sort_keys=True,
            default=repr,
        )


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _stdin_is_terminal() -> bool:
    # client-go checks the process's standard input (term.IsTerminal(os.Stdin.Fd())).
    try:
        return sys.stdin is not None and os.isatty(sys.stdin.fileno())
    except (AttributeError, OSError, ValueError):
        return False


class ExecCredentialSource:
    """Runs an exec plugin and caches its credential until it expires.

    - The credential is reused until ``now >= expirationTimestamp - expiry_skew`` (forever without
      one), and the plugin is re-run on ``force_refresh=True``.
    - One run at a time: concurrent ``get()`` callers wait on a lock and reuse the result,
      ``async_get()`` callers wait on an :class:`asyncio.Lock` and run the plugin in a worker thread.
      Sync and async callers share the cache. A forced refresh that waited while another caller ran
      the plugin reuses that fresh result rather than running it again (ten requests failing with
      401 at once cause one run).
    - :meth:`shared` returns one instance per distinct plugin configuration, like client-go's global
      authenticator cache, so that loading the same kubeconfig twice does not run the plugin twice.

    ``now`` and ``stdin_is_terminal`` are injectable for tests.
    """

    _registry: weakref.WeakValueDictionary[str, ExecCredentialSource] = (
        weakref.WeakValueDictionary()
    )
    _registry_lock = threading.Lock()

    def __init__(
        self,
        config: ExecConfig,
        *,
        now: Callable[[], datetime] = _utc_now,
        expiry_skew: timedelta = DEFAULT_EXPIRY_SKEW,
        stdin_is_terminal: Callable[[], bool] = _stdin_is_terminal,
    ) -> None:
        self.config = config
        self._now = now
        self._skew = expiry_skew
        self._stdin_is_terminal = stdin_is_terminal
        self._lock = threading.Lock()  # held while the plugin runs
        self._cached: Credentials | None = None
        self._generation = 0  # bumped by every run, to tell a waiter that someone else refreshed
        self._async_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._async_locks_guard = threading.Lock()

    @classmethod
    def shared(cls, config: ExecConfig) -> ExecCredentialSource:
        """The process-wide source for ``config`` (created on first use, dropped when unused)."""
        key = config.cache_key()
        with cls._registry_lock:
            source = cls._registry.get(key)
            if source is None:
                source = cls(config)
                cls._registry[key] = source
            return source

    def get(self, *, force_refresh: bool = False) -> Credentials:
        seen = self._generation
        cached = None if force_refresh else self._valid_cached()
        if cached is not None:
            return cached
        return self._refresh(force_refresh, seen)

    async def async_get(self, *, force_refresh: bool = False) -> Credentials:
        seen = self._generation
        cached = None if force_refresh else self._valid_cached()
        if cached is not None:
            return cached
        # The asyncio lock keeps waiting tasks off the thread pool; the thread lock inside _refresh
        # serialises with sync callers and with other event loops.
        async with self._async_lock():
            import asyncio

            return await asyncio.to_thread(self._refresh, force_refresh, seen)

    def __repr__(self) -> str:
        return f"ExecCredentialSource({self.config!r})"

    def _valid_cached(self) -> Credentials | None:
        cached = self._cached
        if cached is None:
            return None
        if cached.expires_at is not None and self._now() >= cached.expires_at - self._skew:
            return None
        return cached

    def _refresh(self, force_refresh: bool, seen: int) -> Credentials:
        with self._lock:
            cached = self._valid_cached()
            if cached is not None and (not force_refresh or self._generation != seen):
                return cached
            credentials = self._run()
            self._cached = credentials
            self._generation += 1
            return credentials

    def _async_lock(self) -> asyncio.Lock:
        import asyncio

        loop = asyncio.get_running_loop()
        with self._async_locks_guard:
            lock = self._async_locks.get(loop)
            if lock is None:
                lock = self._async_locks[loop] = asyncio.Lock()
            return lock

    def _interactive(self) -> bool:
        mode = self.config.interactive_mode
        if mode == "Never":
            return False
        if self._stdin_is_terminal():
            return True
        if mode == "Always":
            raise ExecPluginError(
                f"exec plugin {self.config.command} has interactiveMode Always, "
                "but standard input is not a terminal",
                command=self.config.command,
            )
        return False

    def _exec_info(self, interactive: bool) -> str:
        spec: dict[str, Any] = {"interactive": interactive}
        if self.config.provide_cluster_info and self.config.cluster is not None:
            spec["cluster"] = self.config.cluster.to_json()
        request = {"kind": "ExecCredential", "apiVersion": self.config.api_version, "spec": spec}
        return json.dumps(request, separators=(",", ":"))

    def _run(self) -> Credentials:
        config = self.config
        interactive = self._interactive()
        env = dict(os.environ)
        env.update(config.env)
        env[EXEC_INFO_ENV] = self._exec_info(interactive)
        try:
            # Interactive plugins prompt on the terminal: give them our stdin and stderr. Otherwise
            # stdin is closed (as in client-go) and stderr is captured for the error message.
            completed = subprocess.run(
                [config.command, *config.args],
                env=env,
                stdin=None if interactive else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=None if interactive else subprocess.PIPE,
                check=False,
            )
        except FileNotFoundError:
            message = f"exec plugin: executable {config.command} not found"
            if config.install_hint:
                message += f"\n\n{config.install_hint}"
            raise ExecPluginError(message, command=config.command) from None
        except OSError as exc:
            raise ExecPluginError(
                f"exec plugin: cannot run {config.command}: {exc.strerror or exc}",
                command=config.command,
            ) from None
        if completed.returncode != 0:
            stderr = _tail(completed.stderr or b"")
            message = (
                f"exec plugin: executable {config.command} failed with exit code "
                f"{completed.returncode}"
            )
            if stderr:
                message += f"; its stderr ends with:\n{stderr}"
            raise ExecPluginError(
                message, command=config.command, exit_code=completed.returncode, stderr=stderr
            )
        return parse_exec_credential(completed.stdout, config.api_version, command=config.command)


def parse_exec_credential(stdout: bytes, api_version: str, *, command: str) -> Credentials:
    """Validate what a plugin printed, as client-go does; messages never quote the output."""

    def fail(reason: str) -> ExecPluginError:
        return ExecPluginError(f"exec plugin {command}: {reason}", command=command)

    try:
        document = json.loads(stdout.decode("utf-8"))
    except UnicodeDecodeError:
        raise fail("its output is not UTF-8") from None
    except json.JSONDecodeError as exc:
        # exc.msg and the position only: the output may hold a token.
        raise fail(
            f"its output is not a JSON ExecCredential ({exc.msg} at line {exc.lineno} "
            f"column {exc.colno})"
        ) from None
    if not isinstance(document, dict):
        raise fail("its output is not a JSON object")
    kind = document.get("kind")
    returned_version = document.get("apiVersion")
    if kind != "ExecCredential":
        raise fail(f"it returned kind {_short(kind)}, not ExecCredential")
    if returned_version != api_version:
        raise fail(
            f"it is configured to use API version {api_version}, "
            f"but returned version {_short(returned_version)}"
        )
    status = document.get("status")
    if not isinstance(status, dict):
        raise fail("it didn't return a status field")
    token = _status_str(status, "token", fail)
    cert = _status_str(status, "clientCertificateData", fail)
    key = _status_str(status, "clientKeyData", fail)
    if not token and not cert and not key:
        raise fail("it didn't return a token or cert/key pair")
    if bool(cert) != bool(key):
        raise fail("it returned only certificate or key, not both")
    cert_pem = cert.encode("utf-8") if cert else None
    key_pem = key.encode("utf-8") if key else None
    if cert_pem is not None and key_pem is not None:
        try:
            tls.check_key_pair(cert_pem, key_pem)
        except tls.TLSConfigError as exc:
            raise fail(f"failed parsing client key/certificate: {exc}") from None
    expires_at = None
    raw_expiry = status.get("expirationTimestamp")
    if raw_expiry is not None:
        if not isinstance(raw_expiry, str) or (expires_at := parse_rfc3339(raw_expiry)) is None:
            raise fail(f"status.expirationTimestamp {_short(raw_expiry)} is not an RFC 3339 time")
    return Credentials(
        token=token or None, client_cert_pem=cert_pem, client_key_pem=key_pem, expires_at=expires_at
    )


def _status_str(status: Mapping[str, Any], key: str, fail: Callable[[str], Exception]) -> str:
    value = status.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise fail(f"status.{key} must be a string, not {type(value).__name__}")
    return value


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})"
)


def parse_rfc3339(text: str) -> datetime | None:
    """Parse an RFC 3339 timestamp into an aware datetime (``None`` if malformed).

    Written out because :meth:`datetime.fromisoformat` only takes ``Z`` and arbitrary fraction
    lengths from Python 3.11 on.
    """
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction, offset = match.group(7), match.group(8)
    microsecond = int((fraction or "0")[:6].ljust(6, "0"))
    if offset in ("Z", "z"):
        tz = timezone.utc
    else:
        sign = -1 if offset[0] == "-" else 1
        tz = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    try:
        return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=tz)
    except ValueError:
        return None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _tail(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace").strip()
    if len(text) > _STDERR_LIMIT:
        text = "..." + text[-_STDERR_LIMIT:]
    return text
