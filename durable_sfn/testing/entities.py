"""Durable entities in `run_direct` and `run_local`: one `LocalEntityHost` on moto per run.

By default a run hosts the `@entity` functions in scope of the orchestrators' modules (as
activities are found); `entities=[...]` lists them instead, and `entities=host` uses a ready
`LocalEntityHost`, which a test keeps to read entity state afterwards (`host.read(EntityId(...))`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from durable_sfn.definitions import find_definitions, visible_names
from durable_sfn.entities.in_process import LocalEntityHost
from durable_sfn.entities.model import EntityDefinition, entity_definition

Entities = LocalEntityHost | Iterable[Callable[..., Any] | EntityDefinition] | None

_SESSION: Any = None
_SESSION_LOCK = threading.Lock()


def _clients(region: str) -> tuple[Any, Any]:
    # One session for the process: a fresh boto3 client per run reloads botocore's service models
    # (hundreds of milliseconds); clients made before `mock_aws` starts are still intercepted.
    global _SESSION
    import boto3

    with _SESSION_LOCK:
        if _SESSION is None:
            _SESSION = boto3.session.Session(
                region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing"
            )
        session = _SESSION
    return session.client("dynamodb", region_name=region), session.client("sqs", region_name=region)


def entities_in_scope(orchestrators: Iterable[Callable[..., Any]]) -> list[Callable[..., Any]]:
    """The `@entity` functions the orchestrators' modules define or import (or their closures hold)."""
    scopes = [visible_names(fn) for fn in orchestrators]
    return [definition.function for definition in find_definitions(entity_definition, *scopes).values()]


@contextlib.contextmanager
def entity_host(
    orchestrators: Iterable[Callable[..., Any]], entities: Entities, region: str
) -> Iterator[LocalEntityHost | None]:
    """The host of one run (None when no entity is involved); joins an active `mock_aws`."""
    if isinstance(entities, LocalEntityHost):
        yield entities
        return
    functions = list(entities) if entities is not None else entities_in_scope(orchestrators)
    if not functions:
        yield None
        return
    from moto import mock_aws

    with mock_aws():
        dynamodb, sqs = _clients(region)
        yield LocalEntityHost(functions, dynamodb_client=dynamodb, sqs_client=sqs)
