"""kgen.testing's own bounds (issue 10.7, 10.8, 10.10): the HTTP layer, the body decoders, the store.

The API-level answers are in test_apiserver_hardening.py (run against both servers); these are the
pieces under them.
"""

from __future__ import annotations

import math
import socket

import pytest

from kgen.testing import APIServer, jsonbody, yamlbody
from kgen.testing.jsonbody import DocumentError
from kgen.testing.limits import MAX_DEPTH
from kgen.testing.store import Store, TooLarge, Unservable

GR = ("", "configmaps")


# --- HTTP ----------------------------------------------------------------------------------------


def _exchange(server: APIServer, data: bytes) -> bytes:
    """Send raw bytes, read the answer until the server closes the connection."""
    host, port = server.url.split("//")[1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def _auth(server: APIServer) -> bytes:
    return "".join(f"{k}: {v}\r\n" for k, v in server.headers().items()).encode()


def test_a_body_announced_over_the_limit_is_not_read(server: APIServer) -> None:
    """413 at once, without waiting for the 5 MB announced (only one byte of it is sent), and the
    connection closes."""
    answer = _exchange(
        server,
        b"POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\n"
        + _auth(server)
        + b"Content-Type: application/json\r\nContent-Length: 5000000\r\n\r\n{",
    )
    assert answer.startswith(b"HTTP/1.1 413 Request Entity Too Large\r\n"), answer
    assert b"Connection: close" in answer
    assert answer.endswith(
        b'"message":"Request entity too large: limit is 3145728",'
        b'"reason":"RequestEntityTooLarge","code":413}'
    )


def test_headers_over_go_s_limit_are_refused_with_431(server: APIServer) -> None:
    answer = _exchange(
        server, b"GET /version HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1100 * 1024) + b"\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"), answer[:200]
    assert answer.endswith(b"\r\n\r\n431 Request Header Fields Too Large")


@pytest.mark.parametrize(
    "request_line",
    [b"GET /api/v1/namespaces/%zz/configmaps HTTP/1.1\r\nHost: x\r\n\r\n", b"GARBAGE\r\n\r\n"],
)
def test_a_request_that_does_not_parse_is_a_plain_400(
    server: APIServer, request_line: bytes
) -> None:
    answer = _exchange(server, request_line)
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n"), answer
    assert answer.endswith(b"\r\n\r\n400 Bad Request")


# --- JSON bodies -------------------------------------------------------------------------------


def test_json_lone_surrogates_and_invalid_utf8_become_replacement_characters() -> None:
    assert jsonbody.loads(b'{"a\\udc00":"\\ud800x"}') == {"a\ufffd": "\ufffdx"}
    assert jsonbody.loads(b'["\xff\xfe\xc3"]') == ["\ufffd\ufffd\ufffd"]
    assert jsonbody.loads(b'"\\ud83d\\ude00"') == "\U0001f600"  # a pair is one character


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"NaN", "invalid character 'N' looking for beginning of value"),
        (b"[1e400]", "json: cannot unmarshal number 1e400 into Go value of type float64"),
        (b'{"a":1', "unexpected end of JSON input"),
        (b'{"a" 1}', "invalid character '1' after object key"),
        (b"[1 2]", "invalid character '2' after array element"),
        (b"[1] x", "invalid character 'x' after top-level value"),
        (
            b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
            "invalid character '[' exceeded max depth",
        ),
    ],
)
def test_json_errors_are_go_s(body: bytes, message: str) -> None:
    with pytest.raises(DocumentError) as error:
        jsonbody.loads(body)
    assert error.value.message == message


def test_json_integers_beyond_int64_are_floats() -> None:
    assert jsonbody.loads(b"[9223372036854775807, 9223372036854775808]") == [
        2**63 - 1,
        float(2**63),
    ]


def test_json_copy_is_deep() -> None:
    original = {"a": [{"b": 1}], "c": "d"}
    copied = jsonbody.copy_json(original)
    assert copied == original
    copied["a"][0]["b"] = 2
    assert original["a"][0]["b"] == 1


# --- YAML bodies -------------------------------------------------------------------------------


def test_yaml_alias_bomb_is_refused_before_it_expands() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{name}: &{name} [{', '.join([f'*{before}'] * 9)}]\n"
        for before, name in zip("abcdefgh", "bcdefghi")
    )
    with pytest.raises(DocumentError) as error:
        yamlbody.load(bomb)
    assert error.value.message == "yaml: document contains excessive aliasing"


def test_a_yaml_anchor_that_contains_itself_is_refused() -> None:
    with pytest.raises(DocumentError):
        yamlbody.load("a: &a [*a]\n")


def test_yaml_aliases_within_go_yaml_s_ratio_expand() -> None:
    # 200 aliases of a small list among 1000-odd nodes: under 99% of the decoded nodes.
    document = "base: &b [1, 2, 3]\nuses:\n" + "".join("- *b\n" for _ in range(200))
    loaded = yamlbody.load(document)
    assert loaded["uses"] == [[1, 2, 3]] * 200


def test_yaml_tags_become_what_go_yaml_makes_of_them() -> None:
    assert yamlbody.load("a: !!binary aGVsbG8=\n") == {"a": "hello"}
    assert yamlbody.load("a: !!set {x, z}\n") == {"a": {"x": None, "z": None}}
    with pytest.raises(DocumentError) as error:
        yamlbody.load("a: !!binary a$b\n")
    assert error.value.message == "yaml: !!binary value contains invalid base64 data"
    with pytest.raises(DocumentError) as error:
        yamlbody.load("a: .nan\n")
    assert error.value.message == "json: unsupported value: NaN"


# --- the store --------------------------------------------------------------------------------


def _cm(name: str, **data: object) -> dict[str, object]:
    return {"metadata": {"name": name, "namespace": "ns"}, "data": data}


def test_the_store_refuses_what_etcd_refuses() -> None:
    store = Store()
    with pytest.raises(TooLarge) as error:
        store.create(GR, _cm("a", a="x" * 1_600_000))
    assert error.value.message == "etcdserver: request is too large"
    with pytest.raises(TooLarge) as error:
        store.create(GR, _cm("a", a="x" * 2_500_000))
    assert error.value.message.startswith("rpc error: code = ResourceExhausted")
    assert store.list(GR)[0] == []


def test_the_store_refuses_what_it_could_not_serve() -> None:
    store = Store()
    for bad in (math.nan, math.inf, {1, 2}, b"bytes"):
        with pytest.raises(Unservable):
            store.create(GR, _cm("a", a=bad))
    deep: dict[str, object] = {}
    for _ in range(3 * MAX_DEPTH):
        deep = {"a": deep}
    with pytest.raises(Unservable):
        store.create(GR, _cm("a", a=deep))
    assert store.list(GR)[0] == []


def test_the_store_keeps_what_kube_apiserver_would_serve() -> None:
    store = Store()
    stored = store.create(GR, _cm("a", a="\ud800", b=1.0, c=2**64, d=(1, 2)))
    assert stored["data"] == {"a": "\ufffd", "b": 1, "c": 18446744073709552000, "d": [1, 2]}
    assert type(stored["data"]["b"]) is int
    # A whole float64 is written as Go writes it: its shortest digits, then zeros.
    assert type(stored["data"]["c"]) is int


def test_a_watch_that_falls_too_far_behind_is_ended() -> None:
    store = Store()
    watcher = store.watch(GR, max_pending_bytes=1000)
    store.create(GR, _cm("a", a="x" * 600))
    assert not watcher.closed
    store.create(GR, _cm("b", a="x" * 600))
    assert watcher.overflowed and watcher.closed and watcher.done
    follower = store.watch(GR, since=0, max_pending_bytes=None)
    assert [follower.next(1).object["metadata"]["name"] for _ in range(2)] == ["a", "b"]
