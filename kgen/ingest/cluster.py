"""A live cluster as input: its /openapi/v3 documents, or /openapi/v2 where v3 is not served.

Uses the runtime's config and transport (kubeconfig, exec plugins, TLS...), so ``--from-cluster`` reaches
any cluster kubectl reaches. Each /openapi/v3 document is fetched from the ``serverRelativeURL`` the index
gives (its hash makes it cacheable); the documents then go through the same checks as files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kgen.errors import KgenError, SpecError
from kgen.ingest import Inputs
from kgen.ingest.documents import parse_json
from kgen.ingest.openapi import read_openapi

__all__ = ["read_cluster"]


def read_cluster(
    *,
    kubeconfig: Path | str | None = None,
    context: str | None = None,
    validate: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Inputs:
    from kgen.runtime._sync.rest import RESTClient
    from kgen.runtime._sync.transport import Transport
    from kgen.runtime._config import ConfigError, load_config, load_kubeconfig
    from kgen.runtime._errors import KubernetesError, NotFound

    try:
        config = (
            load_kubeconfig(kubeconfig, context=context)
            if kubeconfig
            else load_config(context=context)
        )
    except ConfigError as exc:
        raise KgenError(f"--from-cluster: {exc}") from exc
    # Generation is a one-off: a higher rate than the 5 QPS default keeps fetching 60 documents quick.
    config.qps, config.burst = 50.0, 100
    where = config.server
    inputs = Inputs()
    with Transport(config, package="kgen-generate") as transport:
        rest = RESTClient(transport)
        try:
            try:
                index = _json(rest.get().abs_path("/openapi/v3").do_raw(), f"{where}/openapi/v3")
            except NotFound:
                index = None
            if index is not None:
                paths = index.get("paths")
                if not isinstance(paths, dict):
                    raise SpecError(
                        "the /openapi/v3 index has no paths", file=f"{where}/openapi/v3"
                    )
                for name in sorted(paths):
                    if not (name.startswith("api/") or name.startswith("apis/")):
                        continue  # /version, /logs and the like have no types worth generating
                    entry = paths[name]
                    url = entry.get("serverRelativeURL") if isinstance(entry, dict) else None
                    url = url or f"/openapi/v3/{name}"
                    path, _, query = url.partition("?")
                    request = rest.get().abs_path(path)
                    for pair in query.split("&") if query else []:
                        key, _, value = pair.partition("=")
                        request.param(key, value)
                    label = f"{where}/openapi/v3/{name}"
                    document = _json(request.do_raw(), label)
                    inputs.openapi.append(read_openapi(document, file=label, validate=validate))
            else:
                if progress is not None:
                    progress(
                        "the cluster serves no /openapi/v3 (Kubernetes before 1.24, or turned off): "
                        "reading /openapi/v2, where nullable and oneOf/anyOf are already dropped, so "
                        "the models are looser"
                    )
                label = f"{where}/openapi/v2"
                document = _json(rest.get().abs_path("/openapi/v2").do_raw(), label)
                inputs.openapi.append(read_openapi(document, file=label, validate=validate))
        except KubernetesError as exc:
            raise KgenError(f"--from-cluster: reading the API of {where}: {exc}") from exc
    return inputs


def _json(raw: bytes, label: str) -> Any:
    return parse_json(raw, label)
