"""The synchronous twins (Applier, wait_for) over loopback, the fake clientsets, and ``kgen apply`` /
``kgen diff`` against kgen.testing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from example_client.clientset import Clientset
from example_client.fake import AsyncFakeClientset, FakeClientset
from example_client.models.core_v1 import ConfigMap

from kgen.cli import main
from kgen.runtime import (
    Applier,
    AsyncApplier,
    ObjectMeta,
    WaitTimeout,
    async_wait_for,
    load_kubeconfig,
    parse_manifests,
    wait_for,
)
from kgen.testing import APIServer

SET = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: shop, labels: {part-of: shop}}
data: {a: "1"}
"""


@pytest.fixture
def server() -> Iterator[APIServer]:
    with APIServer.from_package("example_client") as server:
        yield server


def test_the_sync_applier_and_wait_for_over_loopback(server: APIServer, tmp_path: Path) -> None:
    config = load_kubeconfig(server.kubeconfig(tmp_path / "kubeconfig"))
    with Clientset(config) as cs:
        applier = Applier(cs, field_manager="kgen-tests")
        results = applier.apply(parse_manifests(SET))
        assert [r.action for r in results] == ["created", "created"]
        config_maps = cs.core_v1.configmaps("shop")

        def change_later() -> None:
            time.sleep(0.3)
            applier.apply(parse_manifests(SET.replace('a: "1"', 'a: "2"')))

        changer = threading.Thread(target=change_later)
        changer.start()
        try:
            cm = wait_for(
                config_maps, "cfg", lambda cm: (cm.data or {}).get("a") == "2", timeout=30
            )
        finally:
            changer.join()
        assert isinstance(cm, ConfigMap) and cm.data == {"a": "2"}
        with pytest.raises(WaitTimeout):
            wait_for(config_maps, "cfg", lambda cm: cm is None, timeout=1)
        deleted = applier.delete(parse_manifests(SET))
        assert [r.action for r in deleted] == ["deleted", "deleted"]


def test_the_fake_clientsets() -> None:
    seed = ConfigMap(metadata=ObjectMeta(name="seed", namespace="default"), data={"x": "y"})
    cs = FakeClientset(seed)
    applier = Applier(cs, field_manager="kgen-tests")
    results = applier.apply(parse_manifests(SET))
    assert [r.action for r in results] == ["created", "created"]
    assert cs.core_v1.configmaps("shop").get("cfg").data == {"a": "1"}
    # An object of the set's kinds, in its namespace, with the label, not in the set: pruned.
    applier.apply(parse_manifests(SET.replace("name: cfg", "name: old")))
    results = applier.apply(parse_manifests(SET), prune="part-of=shop")
    assert [(r.manifest.name, r.action) for r in results][-1] == ("old", "pruned")
    assert [cm.metadata.name for cm in cs.core_v1.configmaps("shop").list().items] == ["cfg"]
    assert cs.core_v1.configmaps("default").get("seed").data == {"x": "y"}
    assert any(action.verb == "delete" for action in cs.cluster.actions)


async def test_the_async_fake_clientset() -> None:
    cs = AsyncFakeClientset()
    applier = AsyncApplier(cs, field_manager="kgen-tests")
    await applier.apply(parse_manifests(SET))
    cm = await async_wait_for(cs.core_v1.configmaps("shop"), "cfg", lambda cm: cm is not None)
    assert cm.data == {"a": "1"}


def test_kgen_apply_and_diff(
    server: APIServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kubeconfig = str(server.kubeconfig(tmp_path / "kubeconfig"))
    manifests = tmp_path / "deploy"
    manifests.mkdir()
    (manifests / "app.yaml").write_text(SET)

    def kgen(*args: str) -> tuple[int, str, str]:
        code = main([*args, "-f", str(manifests), "--kubeconfig", kubeconfig])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, err = kgen("diff")
    assert code == 1 and "+++ merged/namespaces/shop" in out
    assert "configmap/cfg -n shop skipped (server dry run)" in err
    assert kgen("apply", "--dry-run")[0] == 0
    code, out, err = kgen("apply")
    assert code == 0 and out == ""
    assert err.splitlines() == [
        "namespace/shop created",
        "configmap/cfg -n shop created",
        "applied 2 object(s)",
    ]
    assert kgen("diff")[:2] == (0, "")
    (manifests / "app.yaml").write_text(SET.replace('a: "1"', 'a: "2"'))
    code, out, _ = kgen("diff")
    assert code == 1 and '-  a: "1"\n+  a: "2"\n' in out
    # A failure on the server: exit 1, the others applied.
    (manifests / "more.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name, namespace: shop}\n"
    )
    code, _, err = kgen("apply")
    assert code == 1
    assert "configmap/cfg -n shop configured" in err
    assert "kgen apply: error: configmap/Bad_Name -n shop failed: 422" in err
    # Bad input: exit 2, every problem with file, document and field, nothing sent.
    (manifests / "more.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n" "data: [1]\n---\nkind: Nothing\n"
    )
    code, _, err = kgen("apply", "--package", "example_client")
    assert code == 2
    assert f"{manifests / 'more.yaml'}, document 1: data: Expected `object | null`" in err
    assert f"{manifests / 'more.yaml'}, document 2: apiVersion: Required value" in err


def test_a_wait_reads_once_and_watches_it_does_not_poll() -> None:
    cs = FakeClientset(
        ConfigMap(metadata=ObjectMeta(name="c", namespace="default"), data={"n": "0"})
    )
    config_maps = cs.core_v1.configmaps("default")

    def count_up() -> None:
        for n in range(1, 4):
            time.sleep(0.1)
            config_maps.patch("c", {"data": {"n": str(n)}})

    counter = threading.Thread(target=count_up)
    counter.start()
    try:
        done = wait_for(config_maps, "c", lambda cm: cm.data == {"n": "3"}, timeout=30)
    finally:
        counter.join()
    assert done.data == {"n": "3"}
    reads = [a.verb for a in cs.cluster.actions if a.resource == "configmaps" and a.verb != "patch"]
    assert reads == ["list", "watch"]
