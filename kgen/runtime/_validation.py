"""Name checks of ``k8s.io/apimachinery/pkg/util/validation``, with its messages.

Each check returns the list of what is wrong (empty when the value is valid), worded as kube-apiserver
words it: label keys and values here are checked the same way in a label selector a client builds, in
one a lister parses, by kgen.testing's server, which answers with these messages, and by kgen.cel's
``format`` library (``format.dns1123Label().validate(name)``), which returns them.

As in Go, lengths are counted in bytes of UTF-8 and a pattern must match the whole value.
"""

from __future__ import annotations

import re

__all__ = [
    "dns1035_label",
    "dns1123_label",
    "dns1123_subdomain",
    "label_value",
    "qualified_name",
    "regex_error",
]

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = _LABEL + r"(\." + _LABEL + r")*"
_LABEL_1035 = r"[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE = r"(" + _QUALIFIED + r")?"


def regex_error(message: str, pattern: str, *examples: str) -> str:
    """apimachinery's RegexError: the message, its examples and the pattern, worded as Go words it."""
    if not examples:
        return f"{message} (regex used for validation is '{pattern}')"
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{pattern}')"


_SUBDOMAIN_MSG = regex_error(
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character",
    _SUBDOMAIN,
    "example.com",
)
_LABEL_MSG = regex_error(
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
    "start and end with an alphanumeric character",
    _LABEL,
    "my-name",
    "123-abc",
)
_LABEL_1035_MSG = regex_error(
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character",
    _LABEL_1035,
    "my-name",
    "abc-123",
)
_QUALIFIED_RULE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)
_QUALIFIED_EXAMPLES = ("MyName", "my.name", "123-abc")
_LABEL_VALUE_MSG = regex_error(
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character",
    _LABEL_VALUE,
    "MyValue",
    "my_value",
    "12345",
)

_SUBDOMAIN_RE = re.compile(_SUBDOMAIN)
_LABEL_RE = re.compile(_LABEL)
_LABEL_1035_RE = re.compile(_LABEL_1035)
_QUALIFIED_RE = re.compile(_QUALIFIED)
_LABEL_VALUE_RE = re.compile(_LABEL_VALUE)


def _too_long(value: str, length: int) -> bool:
    # Go's len(): bytes, not characters (a JSON string may carry a lone surrogate: 3 bytes, as Go's U+FFFD).
    return len(value.encode("utf-8", "surrogatepass")) > length


def _max(length: int) -> str:
    return f"must be no more than {length} characters"


def _mask_trailing_dash(name: str) -> str:
    # apimachinery's maskTrailingDash, for a generateName (a generated suffix follows it): a name of more
    # than one character that ends in '-' loses its last two characters and gains an 'a'.
    return name[:-2] + "a" if len(name) > 1 and name.endswith("-") else name


def _check(
    value: str, max_length: int, pattern: re.Pattern[str], message: str, prefix: bool
) -> list[str]:
    if prefix:
        value = _mask_trailing_dash(value)
    errors = []
    if _too_long(value, max_length):
        errors.append(_max(max_length))
    if not pattern.fullmatch(value):
        errors.append(message)
    return errors


def dns1123_subdomain(name: str, prefix: bool = False) -> list[str]:
    """IsDNS1123Subdomain (``prefix``: NameIsDNSSubdomain of a generateName, which may end in '-')."""
    return _check(name, 253, _SUBDOMAIN_RE, _SUBDOMAIN_MSG, prefix)


def dns1123_label(name: str, prefix: bool = False) -> list[str]:
    """IsDNS1123Label (``prefix``: NameIsDNSLabel of a generateName)."""
    return _check(name, 63, _LABEL_RE, _LABEL_MSG, prefix)


def dns1035_label(name: str, prefix: bool = False) -> list[str]:
    """IsDNS1035Label (``prefix``: NameIsDNS1035Label of a generateName)."""
    return _check(name, 63, _LABEL_1035_RE, _LABEL_1035_MSG, prefix)


def qualified_name(value: str) -> list[str]:
    """IsQualifiedName: label and annotation keys."""
    parts = value.split("/")
    errors: list[str] = []
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            errors.extend(f"prefix part {m}" for m in dns1123_subdomain(prefix))
    else:
        return [
            "a qualified name "
            + regex_error(_QUALIFIED_RULE, _QUALIFIED, *_QUALIFIED_EXAMPLES)
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errors.append("name part must be non-empty")
    elif _too_long(name, 63):
        errors.append("name part " + _max(63))
    if not _QUALIFIED_RE.fullmatch(name):  # an empty name fails this too, as in apimachinery
        errors.append("name part " + regex_error(_QUALIFIED_RULE, _QUALIFIED, *_QUALIFIED_EXAMPLES))
    return errors


def label_value(value: str) -> list[str]:
    """IsValidLabelValue."""
    return _check(value, 63, _LABEL_VALUE_RE, _LABEL_VALUE_MSG, False)
