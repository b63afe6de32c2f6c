"""Waiting until an object satisfies a condition, over a watch (no polling).

    web = await async_wait_for(cs.apps_v1.deployments("shop"), "web", deployment_rolled_out())
    await async_wait_for(cs.core_v1.namespaces(), "shop", namespace_gone(), timeout=120)

The object is read once (a list of that one name, for its resourceVersion), the condition checked, and
then every change is watched from that resourceVersion until the condition holds: nothing is missed in
between and nothing is asked again. The server ends the watch at the deadline (``timeoutSeconds``); a
watch that ends before is opened again from the last resourceVersion, and one whose resourceVersion
expired (410) reads the object again. Works with typed clients (the condition sees models) and with the
dynamic client's resources (it sees Unstructured objects); the object is None while it does not exist.
"""

from __future__ import annotations

import math
import time
from typing import Any

from kgen.runtime._errors import Expired, WaitError, WaitTimeout
from kgen.runtime._manifests.conditions import ConditionLike, describe, failure
from kgen.runtime._manifests.dump import dump_yaml

__all__ = ["async_wait_for"]

#: The most of an object's last state a timeout's message shows.
_SHOWN_LINES = 40


def _done(condition: ConditionLike, obj: Any, what: str) -> bool:
    if condition(obj):
        return True
    reason = failure(condition, obj)
    if reason is not None:
        raise WaitError(
            f"{what}: {describe(condition)} cannot hold: {reason}{_state(obj)}", last=obj
        )
    return False


def _state(obj: Any) -> str:
    if obj is None:
        return "; it does not exist"
    lines = dump_yaml(obj).splitlines()
    if len(lines) > _SHOWN_LINES:
        lines = [*lines[:_SHOWN_LINES], f"... ({len(lines) - _SHOWN_LINES} more lines)"]
    return "; its last state:\n  " + "\n  ".join(lines)


async def async_wait_for(
    client: Any, name: str, condition: ConditionLike, *, timeout: float = 60.0
) -> Any:
    """Wait until ``name``, an object of ``client`` (a typed client, or a dynamic client's resource,
    in its namespace), satisfies ``condition``, and return it as last seen (None if the condition is
    that it is gone).

    Raises :class:`~kgen.runtime._errors.WaitTimeout` after ``timeout`` seconds, showing the object's
    last state, and :class:`~kgen.runtime._errors.WaitError` as soon as the condition cannot hold any
    more (a Job that failed)."""
    deadline = time.monotonic() + timeout
    selector = f"metadata.name={name}"
    what = f"{getattr(client, 'gvr', None) or _plural(client)} {name!r}"
    last: Any = None
    while True:
        listed = await client.list(field_selector=selector)
        resource_version, _ = client.codec.list_meta(listed)
        items = client.codec.items(listed)
        last = items[0] if items else None
        if _done(condition, last, what):
            return last
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WaitTimeout(
                        f"{what}: {describe(condition)} did not hold within {timeout:g}s"
                        + _state(last),
                        last=last,
                    )
                stream = await client.watch(
                    resource_version=resource_version,
                    field_selector=selector,
                    timeout_seconds=max(1, math.ceil(remaining)),
                )
                async with stream:
                    async for event in stream:
                        if event.type == "BOOKMARK":
                            continue
                        last = None if event.type == "DELETED" else event.object
                        if _done(condition, last, what):
                            return last
                        if time.monotonic() >= deadline:
                            break
                resource_version = stream.resource_version or resource_version
        except Expired:
            continue  # the resourceVersion left the server's history: read the object again


def _plural(client: Any) -> str:
    return str(getattr(client, "_plural", type(client).__name__))
