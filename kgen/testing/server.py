"""APIServer: the storage engine, the REST semantics and the HTTP server, running in a background thread."""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from kgen.apimodel.ir import APIModel
from kgen.testing.api import API
from kgen.testing.connect import with_connect
from kgen.testing.controllers import Controllers
from kgen.testing.crds import CRDs, crd_from_model
from kgen.testing.faults import FaultInjector
from kgen.testing.http import HTTPServer
from kgen.testing.registry import Registry
from kgen.testing.routes import Auth, Router
from kgen.testing.store import Store
from kgen.testing.streaming import StreamHandlers

__all__ = ["APIServer"]

INITIAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


class APIServer:
    """A Kubernetes API server in pure Python, for tests.

    ``model`` is what it serves (an :class:`~kgen.apimodel.ir.APIModel`; None serves only namespaces and
    CustomResourceDefinitions). ``history`` events are kept for watches and paged lists (older
    resourceVersions give 410 Gone); ``history_seconds`` bounds them by age instead or too.

    ``tls=True`` serves HTTPS with a fresh CA (``ca_pem``); ``token`` requires that bearer token;
    ``client_cert=True`` accepts a client certificate issued by the server's CA (``client_cert_pem``,
    ``client_key_pem``) in place of a token. Without ``token`` and ``client_cert`` any bearer token, or
    none, is accepted.

    exec, attach, port-forward and proxy reach what the test registers on ``streams`` (a
    :class:`~kgen.testing.streaming.StreamHandlers`): ``server.streams.on_exec(shell)`` (a coroutine
    function of an ``ExecCall`` that returns the exit code), ``server.streams.on_port_forward(8080,
    ("127.0.0.1", port))`` (a local address, or a coroutine function of a ``PortConnection``); a pod's
    or service's proxy reaches the same port targets.

    ``start()`` listens on ``host:port`` (a free port by default) in a background thread; ``url`` is the
    address. It is a context manager and an async context manager.
    """

    def __init__(
        self,
        model: APIModel | None = None,
        *,
        history: int | None = 1000,
        history_seconds: float | None = None,
        tls: bool = False,
        token: str | None = None,
        client_cert: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        bookmark_interval: float = 1.0,
        rv_wait: float = 3.0,
        crds: Iterable[dict[str, Any]] = (),
    ) -> None:
        self.registry = Registry(model)
        self.store = Store(history=history, history_seconds=history_seconds)
        self.api = API(
            self.registry, self.store, rv_wait=rv_wait, bookmark_interval=bookmark_interval
        )
        self.controllers = Controllers(self.api).attach()
        self.crds = CRDs(self.api).attach()
        self.faults = FaultInjector(self.store, restart_hook=self._drop_watches)
        #: What exec, attach, port-forward and proxy reach in pods: register handlers here
        #: (``server.streams.on_exec(fn)``, ``server.streams.on_port_forward(8080, address)``).
        self.streams = StreamHandlers()
        self.host = host
        self.port = port
        self.tls = tls
        self.token = token
        self.client_cert = client_cert
        self.ca_pem: bytes | None = None
        self.client_cert_pem: bytes | None = None
        self.client_key_pem: bytes | None = None
        self._ssl_context: Any = None
        if tls or client_cert:
            self._make_certificates()
        self._seed(list(crds))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._http: HTTPServer | None = None
        self._router: Router | None = None

    # --- construction -------------------------------------------------------------------------------

    @classmethod
    def from_package(cls, package: str, **options: Any) -> APIServer:
        """Serve exactly what a generated package serves (its embedded ``apimodel.json``)."""
        from kgen.apimodel.serialize import load_package_model

        return cls(load_package_model(package), **options)

    @classmethod
    def from_inputs(
        cls, specs: Iterable[Path | str] = (), crds: Iterable[Path | str] = (), **options: Any
    ) -> APIServer:
        """Serve OpenAPI documents (``--spec``) and CRD files (``--crd``) as ``kgen generate`` reads them."""
        from kgen.testing.inputs import read_spec_files

        model, documents = read_spec_files(specs, crds)
        return cls(model, crds=[*documents, *options.pop("crds", ())], **options)

    def _make_certificates(self) -> None:
        import ssl

        import trustme

        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost", "::1")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        if self.client_cert:
            ca.configure_trust(context)
            context.verify_mode = ssl.CERT_OPTIONAL
            client = ca.issue_cert("kgen-admin@kgen.test", common_name="kgen-admin")
            self.client_cert_pem = client.cert_chain_pems[0].bytes()
            self.client_key_pem = client.private_key_pem.bytes()
        self.ca_pem = ca.cert_pem.bytes()
        self._ssl_context = context
        self.tls = True

    def _seed(self, crds: list[dict[str, Any]]) -> None:
        """The namespaces every cluster has, and CRD objects for the custom resources served."""
        namespaces = self.registry.get("", "v1", "namespaces")
        assert namespaces is not None
        for name in INITIAL_NAMESPACES:
            self.api.create(
                namespaces,
                None,
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
            )
        given = {(c["spec"]["group"], c["spec"]["names"]["plural"]) for c in crds if "spec" in c}
        from_model = []
        for group, plural in sorted({(r.group, r.plural) for r in self.registry.all() if r.custom}):
            if (group, plural) in given:
                continue
            crd = crd_from_model(self.registry.model, group, plural)
            if crd is not None:
                from_model.append(crd)
        self.crds.seed([*from_model, *crds])

    # --- lifecycle ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._http is None:
            raise RuntimeError("the server is not started")
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self._http.port}"

    def start(self) -> APIServer:
        """Listen in a background thread; returns once the port is open."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._start_http())
            except BaseException as exc:  # noqa: BLE001 - reported to start()
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name="kgen-apiserver", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        return self

    async def _start_http(self) -> None:
        auth = Auth(token=self.token, client_cert=self.client_cert)
        address = f"{self.host}:{self.port}"
        self._router = Router(self.api, self.faults, auth, address)
        app = with_connect(self._router, self.store, self.streams)
        self._http = HTTPServer(app, self.host, self.port, self._ssl_context)
        port = await self._http.start()
        self._router.server_address = f"{self.host}:{port}"

    def stop(self) -> None:
        """Close every connection and stop the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        self._drop_watches()
        if self._http is not None:
            future = asyncio.run_coroutine_threadsafe(self._http.close(), loop)
            try:
                future.result(10)
            except Exception:  # noqa: BLE001 - stopping anyway
                pass
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = None
        self._loop = None

    def _drop_watches(self) -> None:
        """End every watch stream (their connections close) and every store watcher."""
        if self._router is not None:
            self._router.stop_streams()
        self.store.stop_watchers()

    def __enter__(self) -> APIServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> APIServer:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)

    # --- clients ------------------------------------------------------------------------------------

    def kubeconfig(self, path: str | Path, *, context: str = "kgen") -> Path:
        """Write a kubeconfig for this server (token or client certificate, CA data with TLS)."""
        cluster: dict[str, Any] = {"server": self.url}
        if self.ca_pem is not None:
            cluster["certificate-authority-data"] = base64.b64encode(self.ca_pem).decode()
        user: dict[str, Any] = {}
        if self.client_cert and self.client_cert_pem and self.client_key_pem:
            user["client-certificate-data"] = base64.b64encode(self.client_cert_pem).decode()
            user["client-key-data"] = base64.b64encode(self.client_key_pem).decode()
        else:
            user["token"] = self.token or "kgen-test-token"
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": context, "cluster": cluster}],
            "users": [{"name": context, "user": user}],
            "contexts": [
                {
                    "name": context,
                    "context": {"cluster": context, "user": context, "namespace": "default"},
                }
            ],
            "current-context": context,
            "preferences": {},
        }
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(config, sort_keys=False))
        return target

    def headers(self) -> dict[str, str]:
        """Headers that authenticate a plain HTTP client (e.g. httpx) to this server."""
        return {"Authorization": f"Bearer {self.token or 'kgen-test-token'}"}
