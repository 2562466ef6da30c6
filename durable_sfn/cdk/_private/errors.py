"""The error users see when an Orchestration is declared in a way that cannot be deployed."""

from __future__ import annotations


class OrchestrationConfigError(ValueError):
    """An Orchestration (or its activities, layer or grants) is misconfigured.

    Raised while the CDK app is being constructed, so `cdk synth` stops at the line that declared
    the construct, with a message saying what is wrong and what to change.
    """
