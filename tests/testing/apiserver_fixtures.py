"""Fixtures of the kgen.testing tests, made available to the folder by its conftest.py.

API-level tests only need ``client`` (an httpx.Client with the base URL and auth headers) and
``namespace``; they run against kgen.testing, or against a real kube-apiserver when
``KGEN_CONFORMANCE_URL`` (and ``KGEN_CONFORMANCE_TOKEN``, ``KGEN_CONFORMANCE_CA``) are set. The example
CRDs (specs/example-crds) must then be installed. Tests of kgen-only features (fault injection, the
storage engine, the pytest plugin...) use ``server`` and are skipped against a real server.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kgen.testing import APIServer

TARGET_URL = os.environ.get("KGEN_CONFORMANCE_URL")
TARGET_TOKEN = os.environ.get("KGEN_CONFORMANCE_TOKEN")
TARGET_CA = os.environ.get("KGEN_CONFORMANCE_CA")
TARGET_VERSION = os.environ.get("KGEN_CONFORMANCE_VERSION")  # "1.20": skip newer features
ROOT = Path(__file__).resolve().parents[2]


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.lstrip("v").split(".")[:2]
    return int(major), int(minor)


def since(version: str) -> pytest.MarkDecorator:
    """Skip against a real server older than ``version`` (KGEN_CONFORMANCE_VERSION, e.g. "1.20")."""
    too_old = bool(TARGET_URL and TARGET_VERSION and _minor(TARGET_VERSION) < _minor(version))
    return pytest.mark.skipif(too_old, reason=f"needs Kubernetes {version}")


def _verify() -> Any:
    """The real server's CA (httpx wants an SSLContext, not a path)."""
    if TARGET_CA:
        import ssl

        return ssl.create_default_context(cafile=TARGET_CA)
    return True


@pytest.fixture(scope="session")
def shared_server() -> Iterator[APIServer | None]:
    """One kgen.testing server for the API-level tests (None against a real server)."""
    if TARGET_URL:
        _install_example_crds()
        yield None
        return
    server = APIServer.from_package("example_client", history=100000).start()
    yield server
    server.stop()


def _install_example_crds() -> None:
    """Against a real server: create the example CRDs (specs/example-crds) unless present."""
    import time

    import kgen.runtime._yamlsafe as yamlsafe

    verify = _verify()
    headers = {"Authorization": f"Bearer {TARGET_TOKEN}"} if TARGET_TOKEN else {}
    path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    text = (ROOT / "specs" / "example-crds" / "example.kgen.io.yaml").read_text()
    with httpx.Client(base_url=TARGET_URL or "", headers=headers, verify=verify) as client:
        for crd in yamlsafe.load_all(text):
            if crd and client.get(f"{path}/{crd['metadata']['name']}").status_code == 404:
                client.post(path, json=crd).raise_for_status()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if client.get("/apis/example.kgen.io/v1").status_code == 200:
                return
            time.sleep(0.5)


@pytest.fixture(scope="session")
def base_url(shared_server: APIServer | None) -> str:
    return TARGET_URL or (shared_server.url if shared_server else "")


@pytest.fixture(scope="session")
def headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {TARGET_TOKEN or 'kgen-test-token'}"}


@pytest.fixture
def client(base_url: str, headers: dict[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers=headers, verify=_verify(), timeout=30) as c:
        yield c


@pytest.fixture
def namespace(client: httpx.Client) -> Iterator[str]:
    """A fresh namespace for one test, deleted afterwards.

    Against a real server, it is handed over once kube-controller-manager has set it up, so that what
    its controllers add does not appear in the middle of a test: the root CA ConfigMap
    (kubehelp.CLUSTER_MADE) is there, and pods can be created (the ServiceAccount admission plugin
    wants the default ServiceAccount, and before 1.24 its token Secret, and answers 500 until then).
    """
    name = f"t-{secrets.token_hex(4)}"
    response = client.post(
        "/api/v1/namespaces",
        json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
    )
    assert response.status_code == 201, response.text
    if TARGET_URL:
        _wait_for_controllers(client, name)
    yield name
    client.delete(f"/api/v1/namespaces/{name}")


def _wait_for_controllers(client: httpx.Client, namespace: str, timeout: float = 60) -> None:
    import time

    probe = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "probe"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }
    deadline = time.monotonic() + timeout
    while True:
        root_ca = client.get(f"/api/v1/namespaces/{namespace}/configmaps/kube-root-ca.crt")
        pod = client.post(
            f"/api/v1/namespaces/{namespace}/pods", params={"dryRun": "All"}, json=probe
        )
        if root_ca.status_code == 200 and pod.status_code == 201:
            return
        assert (
            time.monotonic() < deadline
        ), f"namespace {namespace} not set up by the controllers: {root_ca.text} {pod.text}"
        time.sleep(0.1)


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[APIServer]:
    """A fresh kgen.testing server of the example package (kgen-only tests)."""
    if TARGET_URL:
        pytest.skip("kgen.testing only")
    options = getattr(request, "param", {}) or {}
    instance = APIServer.from_package("example_client", **options).start()
    yield instance
    instance.stop()


@pytest.fixture
def kclient(server: APIServer) -> Iterator[httpx.Client]:
    """An httpx client of the fresh ``server``."""
    with httpx.Client(base_url=server.url, headers=server.headers(), timeout=30) as c:
        yield c
