"""Get, list (resourceVersion semantics, selectors, paging over a snapshot) and watch."""

from __future__ import annotations

import builtins
from typing import Any

from kgen.testing import errors
from kgen.testing.errors import StatusError
from kgen.testing.objects import decode_continue, encode_continue
from kgen.testing.options import ListQuery
from kgen.testing.registry import ResourceType
from kgen.testing.response import Response
from kgen.testing.store import TooOld, sort_key
from kgen.testing.verbs.base import EXPIRED_CONTINUE, VerbBase
from kgen.testing.watch import WatchSession

__all__ = ["ReadVerbs"]


class ReadVerbs(VerbBase):
    def get(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        *,
        resource_version: str = "",
        wait: bool = True,
        shared: bool = False,
    ) -> Response:
        """``shared=True`` answers with the stored object itself (read-only: to encode it), as
        :meth:`list` does."""
        if "get" not in rt.verbs:
            raise errors.method_not_supported(rt.plural, rt.group, "get")
        if resource_version not in ("", "0"):
            self._wait_rv(self._parse_rv(resource_version), wait)
        # Reads take no API lock: the store answers from a consistent snapshot, and a long write
        # (a large object, validated and merged under the lock) must not hold up every reader.
        if shared and not rt.custom:
            stored = self.store.get(rt.gr, self._key_ns(rt, namespace), name, shared=True)
            if stored is None:
                raise errors.not_found(rt.plural, rt.group, name)
            body = self.present(rt, stored)
            plain = body is stored and self.store.plain(rt.gr, (stored,))
            return Response(200, body, plain=plain)
        return Response(200, self.present(rt, self.get_stored(rt, namespace, name)))

    def list(
        self,
        rt: ResourceType,
        namespace: str | None,
        opts: ListQuery | None = None,
        *,
        wait: bool = True,
        shared: bool = False,
    ) -> Response:
        """A list; ``shared=True`` answers with the stored objects themselves (read-only: to encode
        them), and says whether they are plain JSON (:attr:`Response.plain`)."""
        opts = opts or ListQuery()
        if "list" not in rt.verbs:
            raise errors.method_not_supported(rt.plural, rt.group, "list")
        if wait and not opts.continue_ and opts.resource_version not in ("", "0"):
            # Wait outside the lock: the revision comes from a writer that needs it.
            requested = self._parse_rv(opts.resource_version)
            if requested > self.store.resource_version:
                self.store.wait_for(requested, self.rv_wait)
        return self._list(rt, namespace, opts, shared)  # no API lock, as get

    def _list(
        self, rt: ResourceType, namespace: str | None, opts: ListQuery, shared: bool
    ) -> Response:
        wait = False
        self._check_field_labels(rt, opts)
        scope = namespace if rt.namespaced and namespace else None
        predicate = self._predicate(rt, opts)
        start = ""
        at: int | None = None
        rv_text, match = opts.resource_version, opts.resource_version_match
        limit = opts.limit
        if opts.continue_:
            if rv_text not in ("", "0"):
                raise errors.bad_request(
                    "specifying resource version is not allowed when using continue"
                )
            try:
                at, start = decode_continue(opts.continue_)
            except ValueError as exc:
                raise errors.bad_request(str(exc)) from None
        elif rv_text in ("", "0"):
            if rv_text == "0":
                limit = 0  # served from the watch cache, which ignores limit
        else:
            requested = self._parse_rv(rv_text)
            if match == "Exact" or (match == "" and limit > 0):
                if requested > self.store.resource_version:
                    self._wait_rv(requested, wait)
                at = requested
            else:
                self._wait_rv(requested, wait)
        try:
            items, read_at = self.store.list(rt.gr, scope, at=at, shared=shared)
        except TooOld as exc:
            if opts.continue_:
                token = encode_continue(self.store.resource_version, start)
                raise errors.gone(EXPIRED_CONTINUE, token) from None
            raise errors.gone(f"too old resource version: {exc.requested} ({exc.oldest})") from None
        if start:
            items = [i for i in items if sort_key(*_key_of(i)) >= start]
        if predicate is not None:
            items = [i for i in items if predicate(i)]
        list_meta: dict[str, Any] = {"resourceVersion": str(read_at)}
        if limit and len(items) > limit:
            rest = items[limit:]
            items = items[:limit]
            list_meta["continue"] = encode_continue(read_at, sort_key(*_key_of(items[-1])) + "\x00")
            if predicate is None:
                list_meta["remainingItemCount"] = len(rest)
        # Built-in items are served as stored (custom resources get their schema's defaults).
        plain = shared and not rt.custom and self.store.plain(rt.gr, items)
        items_json = self.store.encoded_items(rt.gr, items) if plain else None
        return Response(
            200,
            {
                "kind": rt.list_kind,
                "apiVersion": rt.api_version,
                "metadata": list_meta,
                "items": [self._list_item(rt, i) for i in items],
            },
            plain=plain,
            items_json=items_json,
        )

    def _list_item(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        """An item of a list. Built-in lists are typed ([]ConfigMap): their items are encoded
        without kind and apiVersion. Custom resource lists are unstructured and keep them."""
        if rt.custom:
            return self.present(rt, obj)
        return {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}

    def watch(
        self,
        rt: ResourceType,
        namespace: str | None,
        opts: ListQuery,
        *,
        name: str | None = None,
    ) -> WatchSession:
        if "watch" not in rt.verbs:
            raise errors.method_not_supported(rt.plural, rt.group, "watch")
        self._check_field_labels(rt, opts)
        predicate = self._predicate(rt, opts)
        if name is not None:
            inner = predicate

            def predicate(obj: dict[str, Any]) -> bool:
                if (obj.get("metadata") or {}).get("name") != name:
                    return False
                return inner is None or inner(obj)

        scope = namespace if rt.namespaced and namespace else None
        rv_text = opts.resource_version
        since = None if rv_text in ("", "0") else self._parse_rv(rv_text)
        send_initial = opts.send_initial_events
        if send_initial is None:
            send_initial = rv_text in ("", "0")
        initial: builtins.list[dict[str, Any]] = []
        error = None
        watcher = None
        end_rv = None
        try:
            if send_initial:
                if since is not None and since > self.store.resource_version:
                    raise errors.too_large_rv(since, self.store.resource_version)
                # Shared, as the events of the watch are: the session only encodes them.
                items, read_at, watcher = self.store.list_and_watch(
                    rt.gr,
                    scope,
                    predicate=predicate,
                    max_pending_bytes=self.watch_buffer_bytes,
                    shared=True,
                )
                initial = [i for i in items if predicate is None or predicate(i)]
                if opts.send_initial_events and opts.allow_watch_bookmarks:
                    end_rv = read_at
            else:
                watcher = self.store.watch(
                    rt.gr,
                    scope,
                    since=since,
                    predicate=predicate,
                    max_pending_bytes=self.watch_buffer_bytes,
                )
        except TooOld as exc:
            error = errors.gone(f"too old resource version: {exc.requested} ({exc.oldest})").status
        except StatusError as exc:
            error = exc.status
        return WatchSession(
            api_version=rt.api_version,
            kind=rt.kind,
            watcher=watcher,
            initial=initial,
            initial_end_rv=end_rv,
            error=error,
            bookmarks=opts.allow_watch_bookmarks,
            bookmark_interval=self.bookmark_interval,
            # timeoutSeconds=0 is no timeout (the server's default), as in kube-apiserver.
            timeout=opts.timeout_seconds or None,
            present=lambda obj: self.present(rt, obj),
        )


def _key_of(obj: dict[str, Any]) -> tuple[str, str]:
    metadata = obj.get("metadata") or {}
    return (metadata.get("namespace") or "", metadata.get("name") or "")
