"""boto3 access in one place, so every activity talks to the region and tables the settings name.

Clients are cached per service and region on one module-level session: creating a client loads
the service model, which costs far more than a call (and a warm Lambda reuses the cache across
invocations). Clients are thread-safe; creating them is not, hence the lock. Table resources are
cached too, per thread (boto3 resources are not thread-safe): building one costs about a quarter
of a DynamoDB call, and an activity asks for its tables at every call.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import boto3

from lambdas.common.config import settings

_lock = threading.Lock()
_session: boto3.session.Session | None = None
_clients: dict[tuple[str, str], Any] = {}
_resources: dict[str, Any] = {}
_tables = threading.local()


def _get_session() -> boto3.session.Session:
    global _session
    if _session is None:
        _session = boto3.session.Session()
    return _session


def client(service: str) -> Any:
    region = settings().region
    key = (service, region)
    found = _clients.get(key)
    if found is None:
        with _lock:
            found = _clients.get(key)
            if found is None:
                found = _get_session().client(service, region_name=region)  # type: ignore[call-overload]
                _clients[key] = found
    return found


def dynamodb() -> Any:
    """The DynamoDB resource: plain Python values in, plain Python values (Decimals) out."""
    region = settings().region
    found = _resources.get(region)
    if found is None:
        with _lock:
            found = _resources.get(region)
            if found is None:
                found = _get_session().resource("dynamodb", region_name=region)
                _resources[region] = found
    return found


def table(name: str) -> Any:
    """The DynamoDB Table resource `name` in the settings' region, built once per thread."""
    key = (settings().region, name)
    cache: dict[tuple[str, str], Any] | None = getattr(_tables, "cache", None)
    if cache is None:
        cache = _tables.cache = {}
    found = cache.get(key)
    if found is None:
        found = cache[key] = dynamodb().Table(name)
    return found


def to_decimal(value: float) -> Decimal:
    """Money and quantities go to DynamoDB as Decimal built from text, so 0.1 stays 0.1."""
    return Decimal(str(value))


def plain(value: Any) -> Any:
    """DynamoDB items back to JSON-friendly values: Decimals become int or float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
