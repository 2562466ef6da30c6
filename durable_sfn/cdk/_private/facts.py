"""What the helpers of one `Orchestration` know about it, passed as values.

The construct computes these before it builds anything; activity wiring and entity hosting read
them (for decisions and for messages) without importing the construct.
"""

from __future__ import annotations

from dataclasses import dataclass

from durable_sfn.cdk._private.analysis import DefinitionRequirements
from durable_sfn.dsl import OrchestratorDefinition


@dataclass(frozen=True)
class OrchestrationFacts:
    construct_id: str
    orchestrator: OrchestratorDefinition
    requirements: DefinitionRequirements
    state_machine_arn: str

    @property
    def where(self) -> str:
        """The orchestrator's source location, which messages start with."""
        return f"{self.orchestrator.source_file}:{self.orchestrator.line}"
