"""The reference application's local environment (moto, seeded data, the operations API) for
benchmarks that run its scenarios, the way `make run` sets it up."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@contextmanager
def reference_environment() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in [*FAKE_AWS_ENV, "OPERATIONS_API_URL", "AWS_PROFILE"]}
    os.environ.update(FAKE_AWS_ENV)
    os.environ.pop("AWS_PROFILE", None)
    from moto import mock_aws

    from lambdas.common.logging import logger
    from lambdas.common.resources import create_and_seed
    from lambdas.operations.service import OperationsService

    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler), "Powertools logs through a StreamHandler"
    # The activities' JSON logs are not figures.
    with open(os.devnull, "w", encoding="utf-8") as sink:
        previous = handler.setStream(sink)
        try:
            with mock_aws(), OperationsService() as operations:
                os.environ["OPERATIONS_API_URL"] = operations.url
                create_and_seed()
                yield
        finally:
            handler.setStream(previous)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
