"""Label value helpers (ports of the TypeScript ones; python/contract.test.ts compares them case by case)."""

import pytest

from greyhaven_metrics import CONTRACT, normalize_method, normalize_path, sanitize_label_value


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/users/42", "/users/:id"),
        ("/users/abc", "/users/abc"),
        ("/orders/7/items", "/orders/:id/items"),
        ("/o/550e8400-e29b-41d4-a716-446655440000", "/o/:uuid"),
        ("/blob/0123456789abcdef0123", "/blob/:hash"),
        ("/t/abcdefghij0123456789_-", "/t/:token"),
        ("/short/a1", "/short/a1"),
        ("", "/"),
        ("/", "/"),
    ],
)
def test_normalize_path(path: str, expected: str) -> None:
    assert normalize_path(path) == expected


def test_normalize_method() -> None:
    assert normalize_method("GET") == "GET"
    assert normalize_method("get") == "GET"
    assert normalize_method("PURGE") == CONTRACT.other_method
    assert normalize_method("x" * 40) == CONTRACT.other_method
    assert normalize_method(None) == CONTRACT.other_method


def test_sanitize_label_value() -> None:
    assert sanitize_label_value("abc", 2) == "ab"
    assert sanitize_label_value("a\tb\nc", 10) == "a\tb\nc"
    assert sanitize_label_value("a\x01\x7fb\udc00", 10) == "a\ufffd\ufffdb\ufffd"
