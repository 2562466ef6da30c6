"""Fixtures for the end-to-end tests: moto with the sample data and the operations API."""

from __future__ import annotations

from tests.lambdas.conftest import aws, aws_env, operations_api

__all__ = ["aws", "aws_env", "operations_api"]
