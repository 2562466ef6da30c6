"""CDK stacks of the reference application: data (tables, buckets, topic) and workflows."""

from stacks.app import build_app
from stacks.data import DataStack
from stacks.workflows import WorkflowsStack

__all__ = ["DataStack", "WorkflowsStack", "build_app"]
