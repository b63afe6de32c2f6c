"""The pytest plugin's fixtures, as a user's test suite uses them."""

from __future__ import annotations

from typing import Any

import pytest
from example_client.models.core_v1 import ConfigMap

from kgen.runtime._meta import ObjectMeta


@pytest.fixture
def kgen_apiserver_options() -> dict[str, Any]:
    return {"package": "example_client"}


def test_kube_clientset_talks_to_the_server(kube_clientset: Any, kube_kubeconfig: Any) -> None:
    kube_clientset.core_v1.configmaps("default").create(
        ConfigMap(metadata=ObjectMeta(name="x"), data={"a": "b"})
    )
    assert kube_clientset.core_v1.configmaps("default").get("x").data == {"a": "b"}
    assert str(kube_clientset.config.server).startswith("http://127.0.0.1:")
    assert kube_kubeconfig.exists()
