"""The bounds kube-apiserver (and the etcd behind it) puts on what one request may ask for, and the
few kgen.testing adds where Python would otherwise fall over.

A test server is shared by every test of a suite: no single request may stall it, exhaust its memory or
store something that later requests cannot read. Each bound below is the real server's, with its
answer:

======================================  ==============  ===============================================
bound                                   value           answer
======================================  ==============  ===============================================
request body (``MaxRequestBodyBytes``)  3 MiB           413 ``Request entity too large: limit is 3145728``
request line and headers                1 MiB + 4 KiB   431 (plain text, Go's net/http)
stored object (etcd ``--max-request-``  1.5 MiB         500 ``etcdserver: request is too large``
``bytes``; gRPC's send limit 2 MiB)                     (``rpc error: ... trying to send message larger
                                                        than max`` past 2 MiB)
JSON patch operations                   10000           413 ``The allowed maximum operations in a JSON
                                                        patch is 10000, got N``
bytes a JSON patch may ``copy``         3 MiB           422 (the generic patch error)
ConfigMap / Secret data                 1 MiB           422 ``must have at most 1048576 bytes``
YAML alias expansion                    go-yaml's       400 ``yaml: document contains excessive aliasing``
JSON and YAML nesting                   10000 (real);   400 ``... exceeded max depth``
                                        :data:`MAX_DEPTH`
======================================  ==============  ===============================================

``MAX_DEPTH`` is kgen.testing's own: its walkers (pruning, merging, managed fields) recurse in Python,
so documents nest at most 100 levels rather than Go's 10000 (the deepest real CRD nests about 40).
"""

from __future__ import annotations

__all__ = [
    "ETCD_MAX_REQUEST_BYTES",
    "GRPC_MAX_SEND_BYTES",
    "JSON_PATCH_MAX_COPY_BYTES",
    "MAX_DATA_BYTES",
    "MAX_DEPTH",
    "MAX_HEADER_BYTES",
    "MAX_REQUEST_BODY_BYTES",
    "MAX_STORED_DEPTH",
    "WATCH_BUFFER_BYTES",
    "request_entity_too_large",
]

#: kube-apiserver's --max-request-body-bytes default (genericapiserver Config.MaxRequestBodyBytes).
MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024
#: Go's http.Server MaxHeaderBytes as kube-apiserver sets it (1 << 20), plus net/http's 4096 slack.
MAX_HEADER_BYTES = (1 << 20) + 4096
#: etcd's default --max-request-bytes: a write of a larger object is refused.
ETCD_MAX_REQUEST_BYTES = 1536 * 1024
#: The gRPC client's default send limit: larger writes never reach etcd.
GRPC_MAX_SEND_BYTES = 2 * 1024 * 1024
#: Config.JSONPatchMaxCopyBytes: what the ``copy`` operations of one JSON patch may add in total.
JSON_PATCH_MAX_COPY_BYTES = 3 * 1024 * 1024
#: core.MaxSecretSize: the data of a ConfigMap (data and binaryData) or a Secret.
MAX_DATA_BYTES = 1024 * 1024
#: How deep a request document may nest (kube-apiserver: 10000; see the module docstring).
MAX_DEPTH = 100
#: How deep a stored object may nest: a request's depth plus what the server adds (managedFields).
MAX_STORED_DEPTH = 2 * MAX_DEPTH
#: What a watch may have queued and unread before the server ends it, as kube-apiserver ends the
#: watches of clients that do not keep up ("Forcing watcher close due to unresponsiveness").
WATCH_BUFFER_BYTES = 64 * 1024 * 1024


def request_entity_too_large(limit: int = MAX_REQUEST_BODY_BYTES) -> str:
    """The message of the 413 a too large request body gets."""
    return f"Request entity too large: limit is {limit}"
