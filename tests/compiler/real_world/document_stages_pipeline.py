"""A pipeline whose stages come from a list of activities in another module, run in order by
index, with the stage counter reported in the custom status and a document that cannot be read
stopping the pipeline where it failed."""

import logging

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from tests.compiler.app_config.document_stages import STAGES, UnreadableDocument

logger = logging.getLogger(__name__)


@orchestrator(name="RwDocumentStagesPipeline")
async def document_stages_pipeline(ctx: OrchestrationContext) -> JsonValue:
    doc = ctx.get_input()
    stage = 0
    try:
        while stage < len(STAGES):
            ctx.set_custom_status({"stage": stage, "of": len(STAGES)})
            doc = await ctx.call_activity(STAGES[stage], doc)
            stage += 1
    except UnreadableDocument as e:
        logger.error("Stage %d failed: %s", stage, str(e))
        return {"failed_at": stage, "reason": str(e)}
    return doc


ORCHESTRATOR = document_stages_pipeline
CONCURRENT = False
INPUTS: list[JsonValue] = [
    {"name": "a.pdf", "pages": ["total due: 40"]},
    {"name": "b.pdf", "pages": ["dear reader"]},
    {"name": "c.pdf", "pages": []},
]
