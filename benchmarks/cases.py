"""One benchmark case per process: ``python -m benchmarks.cases <case> [args]`` prints one JSON result.

Every case runs in a fresh interpreter so that imports, caches and heap growth of one case do not leak
into another. Timed cases run one warm-up then ``repeat`` timed runs, with the garbage collector on (as in
an application) and ``gc.collect()`` between runs; the median is reported.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent / ".bench"


def _podlist_bytes(count: int) -> bytes:
    path = BENCH / f"podlist-{count}.json"
    return path.read_bytes()


def _decoder(impl: str) -> Callable[[bytes], Any]:
    if impl == "orjson":
        import orjson

        return orjson.loads
    if impl == "json":
        return json.loads
    if impl == "kgen":
        sys.path.insert(0, str(BENCH / "gen"))
        from k8s_bench.models.core_v1 import PodList

        import kgen.runtime._codec as codec

        # The runtime's decode path (what the clients and informers call).
        return lambda raw: codec.decode(raw, PodList)
    if impl == "lightkube":
        from lightkube.core.decoders import decode_list
        from lightkube.resources.core_v1 import Pod

        return lambda raw: decode_list(raw, Pod)
    if impl == "kubernetes":
        from kubernetes.client import ApiClient

        api = ApiClient()
        return lambda raw: api.deserialize(raw.decode(), "V1PodList", "application/json")
    raise SystemExit(f"unknown decoder {impl}")


def _count(result: Any) -> int:
    if isinstance(result, dict):
        return len(result["items"])
    if isinstance(result, tuple):  # lightkube: (continue, resourceVersion, items)
        return len(result[2])
    return len(result.items)


def decode(impl: str, count: str = "10000", repeat: str = "7") -> dict[str, Any]:
    raw = _podlist_bytes(int(count))
    fn = _decoder(impl)
    result = fn(raw)  # warm-up (builds decoders, imports lazily resolved types)
    assert _count(result) == int(count)
    del result
    times = []
    for _ in range(int(repeat)):
        gc.collect()
        start = time.perf_counter()
        result = fn(raw)
        times.append(time.perf_counter() - start)
        del result
    return {"median_s": statistics.median(times), "min_s": min(times), "runs": len(times)}


def memory(impl: str, count: str = "10000") -> dict[str, Any]:
    """Bytes retained per decoded pod (tracemalloc, after decode and gc.collect, minus the baseline)."""
    raw = _podlist_bytes(int(count))
    fn = _decoder(impl)
    fn(_podlist_bytes(100) if (BENCH / "podlist-100.json").exists() else raw)  # lazy setup outside
    gc.collect()
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    result = fn(raw)
    gc.collect()
    retained = tracemalloc.get_traced_memory()[0] - baseline
    tracemalloc.stop()
    assert _count(result) == int(count)
    return {"bytes_per_pod": retained / int(count)}


#: What a partial decode reads now (the rest of each pod, its spec, is decoded when first read).
PARTIAL_EAGER = ("metadata", "status")


def _read_all(pods: Any) -> None:
    """What a program that reads every part of every pod touches (a partial pod decodes its spec)."""
    for pod in pods.items:
        pod.metadata.managed_fields, pod.spec, pod.status


def _partial_variant(variant: str) -> Callable[[bytes], Any]:
    sys.path.insert(0, str(BENCH / "gen"))
    from k8s_bench.models.core_v1 import PodList

    from kgen.runtime import decode_partial, fully_decoded

    import kgen.runtime._codec as codec

    def full(raw: bytes) -> Any:
        return codec.decode(raw, PodList)

    def partial(raw: bytes) -> Any:
        return decode_partial(raw, PodList, PARTIAL_EAGER)

    def shared(raw: bytes) -> Any:
        return decode_partial(raw, PodList, PARTIAL_EAGER, share_buffer=True)

    def read_all(decode: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
        def run(raw: bytes) -> Any:
            pods = decode(raw)
            _read_all(pods)
            return pods

        return run

    variants = {
        "full": full,
        "partial": partial,
        "partial-shared": shared,
        "full-read-all": read_all(full),
        "partial-read-all": read_all(partial),
        "partial-fully-decoded": lambda raw: fully_decoded(partial(raw)),
    }
    return variants[variant]


def partial_decode(variant: str, count: str = "10000", repeat: str = "7") -> dict[str, Any]:
    """One way to decode a PodList (full, partial, partial then everything read): process CPU time,
    median of ``repeat`` runs, gc on with the runtime's pause for big bodies, as the clients run.
    ``settled_s`` adds the full collection that follows (the objects kept, as a program keeps them):
    a decode with the collector paused leaves it to the program, many small decodes pay theirs."""
    raw = _podlist_bytes(int(count))
    fn = _partial_variant(variant)
    result = fn(raw)  # warm-up: decoders and twins are built once per type
    assert len(result.items) == int(count)
    del result
    times = []
    settled = []
    for _ in range(int(repeat)):
        gc.collect()
        start = time.process_time()
        result = fn(raw)
        times.append(time.process_time() - start)
        gc.collect()
        settled.append(time.process_time() - start)
        del result
    return {
        "cpu_s": statistics.median(times),
        "min_s": min(times),
        "settled_s": statistics.median(settled),
        "runs": len(times),
    }


def partial_memory(variant: str, count: str = "10000") -> dict[str, Any]:
    """Bytes retained (tracemalloc, the answer's own bytes included) when a program keeps every pod of
    the list, and when it keeps one pod and drops the answer and the rest: a view into the answer
    (``share_buffer=True``) keeps all of it alive."""
    path = BENCH / f"podlist-{count}.json"
    fn = _partial_variant(variant)
    fn(_podlist_bytes(100))  # decoders built outside the measure
    gc.collect()
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    raw = path.read_bytes()
    pods = fn(raw)
    del raw
    gc.collect()
    kept_all = tracemalloc.get_traced_memory()[0] - baseline
    one = pods.items[0]
    del pods
    gc.collect()
    kept_one = tracemalloc.get_traced_memory()[0] - baseline
    tracemalloc.stop()
    assert one.metadata.name
    return {"bytes_per_pod": kept_all / int(count), "one_pod_bytes": kept_one}


def import_all(package_dir: str, package: str) -> dict[str, Any]:
    """Import every module of a generated package (warm bytecode), as the first thing a process does."""
    start = time.perf_counter()
    import importlib
    import pkgutil

    sys.path.insert(0, package_dir)
    root = importlib.import_module(package)
    count = 1
    for sub in ("models", "clients"):
        module = importlib.import_module(f"{package}.{sub}")
        for info in pkgutil.iter_modules(module.__path__):
            importlib.import_module(f"{package}.{sub}.{info.name}")
            count += 1
    elapsed = time.perf_counter() - start
    assert root is not None
    return {"seconds": elapsed, "modules": count}


def import_generated(package_dir: str, package: str) -> dict[str, Any]:
    """Import every generated module but the fake (models, clients, listers, informers, scheme,
    clientset), with what they stand on (msgspec, httpx, kgen.runtime) imported first: the generated
    code's own cost."""
    import importlib
    import pkgutil

    import httpx  # noqa: F401
    import msgspec  # noqa: F401

    import kgen.runtime._async.clientset  # noqa: F401
    import kgen.runtime._sync.clientset  # noqa: F401
    import kgen.runtime._cache.factory  # noqa: F401
    import kgen.runtime._cache.threaded  # noqa: F401

    sys.path.insert(0, package_dir)
    start = time.perf_counter()
    count = 0
    for name in ("", ".clientset", ".scheme"):
        importlib.import_module(package + name)
        count += 1
    for sub in ("models", "clients", "listers", "informers"):
        module = importlib.import_module(f"{package}.{sub}")
        count += 1
        for info in pkgutil.iter_modules(module.__path__):
            importlib.import_module(f"{package}.{sub}.{info.name}")
            count += 1
    return {"seconds": time.perf_counter() - start, "modules": count}


def import_models(package_dir: str, package: str) -> dict[str, Any]:
    """Import every models module of a generated package (kgen.runtime and msgspec imported first)."""
    import importlib
    import pkgutil

    import msgspec  # noqa: F401

    import kgen.runtime._meta  # noqa: F401

    sys.path.insert(0, package_dir)
    start = time.perf_counter()
    module = importlib.import_module(f"{package}.models")
    count = 0
    for info in pkgutil.iter_modules(module.__path__):
        importlib.import_module(f"{package}.models.{info.name}")
        count += 1
    return {"seconds": time.perf_counter() - start, "modules": count}


def first_call(impl: str, kubeconfig: str, server: str = "", token: str = "") -> dict[str, Any]:
    """Import a client for the whole Kubernetes API and list pods once (the process's first call).

    Timed from the first statement to the answer: imports, config loading, connection, decode. CPU time
    too: on a machine shared with other work, the wall clock also measures the neighbours.

    ``httpx`` is the floor: httpx imported and one GET of the same list with the same token (``server``
    and ``token`` given, no kubeconfig read), in the same environment (httpx's ``__init__`` imports
    ``httpx._main`` and with it click, rich and pygments when they are installed). The server speaks
    plain HTTP, for which kgen loads no trust store; so the floor passes ``verify=False`` too
    (``httpx-certifi``: httpx's default, which loads certifi's bundle even for ``http://``).
    ``httpx-no-cli`` is the same floor where httpx has no CLI to load (kgen never loads it): the fair
    floor, since kgen's import of httpx skips that cost in every environment.
    """
    if impl == "httpx-no-cli":
        # What `import httpx` costs where click, rich and pygments are absent: its __init__'s import
        # of its CLI fails at once (kgen.runtime makes it fail the same way; see _httpx_import).
        sys.modules["httpx._main"] = None  # type: ignore[assignment]
    start, cpu = time.perf_counter(), time.process_time()
    if impl in ("httpx", "httpx-certifi", "httpx-no-cli"):
        import httpx

        response = httpx.get(
            f"{server}/api/v1/namespaces/default/pods",
            headers={"Authorization": f"Bearer {token}"},
            verify=impl == "httpx-certifi",
        )
        response.raise_for_status()
        count = len(response.json()["items"])
        return {
            "seconds": time.perf_counter() - start,
            "cpu_seconds": time.process_time() - cpu,
            "pods": count,
        }
    if impl == "kgen":
        sys.path.insert(0, str(BENCH / "gen"))
        from k8s_bench.clientset import Clientset

        from kgen.runtime._config import load_kubeconfig

        with Clientset(load_kubeconfig(kubeconfig)) as cs:
            count = len(cs.core_v1.pods("default").list().items)
    elif impl == "kubernetes":
        from kubernetes import client, config

        config.load_kube_config(kubeconfig)
        count = len(client.CoreV1Api().list_namespaced_pod("default").items)
    elif impl == "lightkube":
        from lightkube import Client, KubeConfig
        from lightkube.resources.core_v1 import Pod

        lk = Client(KubeConfig.from_file(kubeconfig))
        count = len(list(lk.list(Pod, namespace="default")))
    else:
        raise SystemExit(f"unknown client {impl}")
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
        "pods": count,
    }


def _bench_package_config(kubeconfig: str) -> Any:
    sys.path.insert(0, str(BENCH / "gen"))
    from kgen.runtime._config import load_kubeconfig

    config = load_kubeconfig(kubeconfig)
    config.qps = 0
    return config


def informer_sync(kubeconfig: str) -> dict[str, Any]:
    """Time from starting an informer factory to a synced cache of every pod."""
    config = _bench_package_config(kubeconfig)
    from k8s_bench.clientset import Clientset
    from k8s_bench.informers import SharedInformerFactory

    with Clientset(config) as cs:
        start = time.perf_counter()
        with SharedInformerFactory(cs) as factory:
            pods = factory.core_v1.pods
            pods.informer()
            factory.start()
            factory.wait_for_cache_sync(timeout=600)
            elapsed = time.perf_counter() - start
            count = len(pods.lister().list())
    return {"seconds": elapsed, "objects": count}


def _forget_cache_tables() -> None:
    """Empty the cache transform's process-wide tables (interned strings, ints and times, shared
    lists and maps): the measured sync then builds them as a process's first sync does, instead of
    finding every value the first sync left there."""
    from kgen.runtime._cache import transform

    transform.DEFAULT_INTERNER._table.clear()
    transform._INTS.clear()
    transform._TIMES.clear()
    transform._SHARED_VALUES._lists.clear()
    transform._SHARED_VALUES._dicts.clear()


def informer_cpu(kubeconfig: str, variant: str) -> dict[str, Any]:
    """Process CPU seconds of an initial sync of every pod, against the list it replaces (the server
    runs in another process, so only the client's work is counted):

    - ``list``: the paged list (pages of 500) and its decode, objects kept in one list;
    - ``full``: a synced informer cache (the default transform: managedFields dropped, interned);
    - ``metadata``: a synced metadata informer (``partial=()``).

    Twice in one process: ``cold_cpu_seconds`` includes the first use's imports, connections and
    decoders, ``cpu_seconds`` is the second sync (a new client and factory, the transform's tables
    emptied), the steady cost.
    ``settled_cpu_seconds`` adds a full collection right after the second sync, the objects still
    held: the collector's work a sync leaves for later (both kgen's list and its informer pause the
    collector while they decode) is then counted too.
    """
    config = _bench_package_config(kubeconfig)
    from k8s_bench.clientset import Clientset
    from k8s_bench.informers import SharedInformerFactory
    from k8s_bench.models.core_v1 import Pod, PodList

    def settle() -> float:
        cpu = time.process_time()
        gc.collect()
        return time.process_time() - cpu

    def sync() -> tuple[float, float, int]:
        with Clientset(config) as cs:
            if variant == "list":
                pods = cs.core_v1.pods(None)
                cpu = time.process_time()
                items = [pod for page in pods.pages() for pod in page.items]
                spent = time.process_time() - cpu
                return spent, spent + settle(), len(items)
            with SharedInformerFactory(cs) as factory:
                if variant == "full":
                    informer = factory.core_v1.pods.informer()
                elif variant == "metadata":
                    informer = factory.informer_for(Pod, PodList, partial=())
                else:
                    raise SystemExit(f"unknown variant {variant}")
                cpu = time.process_time()
                factory.start()
                factory.wait_for_cache_sync(timeout=600)
                spent = time.process_time() - cpu
                return spent, spent + settle(), len(informer.indexer.list())

    cold, _, count = sync()
    _forget_cache_tables()
    gc.collect()
    warm, settled, count = sync()
    return {
        "cpu_seconds": warm,
        "settled_cpu_seconds": settled,
        "cold_cpu_seconds": cold,
        "objects": count,
    }


def informer_memory(kubeconfig: str) -> dict[str, Any]:
    """Bytes per pod held by an informer's cache, against the same pods held as plain dicts (both
    without managedFields), measured with tracemalloc in one process; also without the default
    sharing of equal (frozen) lists and maps (``make_transform(share_values=False)``) and as a
    metadata informer (``partial=()``)."""
    import httpx
    import orjson

    config = _bench_package_config(kubeconfig)
    from k8s_bench.clientset import Clientset
    from k8s_bench.informers import SharedInformerFactory

    from kgen.runtime import make_transform

    token = config.credentials.get().token if config.credentials else ""
    raw = httpx.get(
        f"{config.server}/api/v1/pods", headers={"Authorization": f"Bearer {token}"}, timeout=300
    ).content
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    dicts = orjson.loads(raw)["items"]
    for item in dicts:
        item["metadata"].pop("managedFields", None)
    gc.collect()
    dict_bytes = tracemalloc.get_traced_memory()[0] - base
    count = len(dicts)
    del dicts
    gc.collect()

    def held_by_cache(transform: Any = None) -> float:
        """What a synced pod informer's cache holds (the default transform, or ``transform``)."""
        options = {} if transform is None else {"transform": transform}
        with Clientset(config) as cs, SharedInformerFactory(cs, **options) as factory:
            pods = factory.core_v1.pods
            pods.informer()
            factory.start()
            gc.collect()
            base = tracemalloc.get_traced_memory()[0]
            factory.wait_for_cache_sync(timeout=600)
            cached = pods.lister().list()
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - base
            assert len(cached) == count
            del cached
        gc.collect()
        return held

    cache_bytes = held_by_cache()
    # Lists and maps kept as decoded, plain and one per object (make_transform(share_values=False)).
    unshared_bytes = held_by_cache(make_transform(share_values=False))
    # The metadata informer (partial=()): spec and status kept as bytes until read; then read all.
    with Clientset(config) as cs, SharedInformerFactory(cs) as factory:
        from k8s_bench.models.core_v1 import Pod, PodList

        informer = factory.informer_for(Pod, PodList, partial=())
        factory.start()
        gc.collect()
        base = tracemalloc.get_traced_memory()[0]
        factory.wait_for_cache_sync(timeout=600)
        cached = informer.indexer.list()
        gc.collect()
        partial_bytes = tracemalloc.get_traced_memory()[0] - base
        for pod in cached:
            pod.spec, pod.status
        gc.collect()
        partial_read_bytes = tracemalloc.get_traced_memory()[0] - base
        assert len(cached) == count
    tracemalloc.stop()
    return {
        "cached_bytes_per_object": cache_bytes / count,
        "unshared_values_cached_bytes_per_object": unshared_bytes / count,
        "partial_cached_bytes_per_object": partial_bytes / count,
        "partial_read_cached_bytes_per_object": partial_read_bytes / count,
        "dict_bytes_per_object": dict_bytes / count,
        "objects": count,
    }


def watch_events(impl: str, kubeconfig: str, count: str) -> dict[str, Any]:
    """Receive ``count`` typed events from one watch (resourceVersion "0": every pod as ADDED).

    kgen and lightkube (1.0, msgspec models: its ``lazy`` option no longer changes anything) both
    decode every object whole; ``kgen-partial`` decodes metadata at once and the rest when read
    (:meth:`partial`)."""
    wanted = int(count)
    events = 0
    if impl in ("kgen", "kgen-partial"):
        config = _bench_package_config(kubeconfig)
        from k8s_bench.clientset import Clientset

        with Clientset(config) as cs:
            # The client is made before the clock starts, as the others' are (its module is
            # imported on first use).
            pods = cs.core_v1.pods(None)
            if impl == "kgen-partial":
                pods = pods.partial()
            start, cpu = time.perf_counter(), time.process_time()
            with pods.watch(resource_version="0", timeout_seconds=300) as stream:
                for event in stream:
                    if event.type == "ADDED":
                        assert event.object.metadata is not None
                        events += 1
                        if events == wanted:
                            break
    elif impl == "kubernetes":
        from kubernetes import client, config, watch

        config.load_kube_config(kubeconfig)
        api = client.CoreV1Api()
        start, cpu = time.perf_counter(), time.process_time()
        for event in watch.Watch().stream(
            api.list_pod_for_all_namespaces, resource_version="0", timeout_seconds=300
        ):
            if event["type"] == "ADDED":
                assert event["object"].metadata is not None
                events += 1
                if events == wanted:
                    break
    elif impl == "lightkube":
        import lightkube
        from lightkube import Client, KubeConfig
        from lightkube.resources.core_v1 import Pod

        lk = Client(KubeConfig.from_file(kubeconfig))
        start, cpu = time.perf_counter(), time.process_time()
        for kind, obj in lk.watch(Pod, namespace=lightkube.ALL_NS, resource_version="0"):
            if kind == "ADDED":
                assert obj.metadata is not None
                events += 1
                if events == wanted:
                    break
    else:
        raise SystemExit(f"unknown client {impl}")
    # CPU time too: on a machine shared with other work, the wall clock measures the neighbours.
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
        "events": events,
    }


def watch_decode(events_file: str) -> dict[str, Any]:
    """kgen's watch-event decoder alone on the lines of a watch stream (no I/O): the floor of any
    watch that decodes every event into a typed object."""
    sys.path.insert(0, str(BENCH / "gen"))
    from k8s_bench.models.core_v1 import Pod

    from kgen.runtime._watchevent import WatchEventDecoder

    lines = Path(events_file).read_bytes().splitlines()
    decoder = WatchEventDecoder(Pod)
    for line in lines[:100]:
        decoder.decode(line)
    runs = []
    for _ in range(3):
        cpu = time.process_time()
        for line in lines:
            decoder.decode(line)
        runs.append(time.process_time() - cpu)
    return {"cpu_seconds": statistics.median(runs), "events": len(lines)}


CASES: dict[str, Callable[..., dict[str, Any]]] = {
    "informer_sync": informer_sync,
    "informer_memory": informer_memory,
    "informer_cpu": informer_cpu,
    "watch_events": watch_events,
    "watch_decode": watch_decode,
    "first_call": first_call,
    "decode": decode,
    "memory": memory,
    "partial_decode": partial_decode,
    "partial_memory": partial_memory,
    "import_all": import_all,
    "import_generated": import_generated,
    "import_models": import_models,
}


if __name__ == "__main__":
    name, *args = sys.argv[1:]
    print(json.dumps(CASES[name](*args)))
