import random
import uuid
from datetime import datetime

from durable_sfn import JsonValue, OrchestrationContext, orchestrator


@orchestrator(name="NonDeterministic")
async def non_deterministic(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    started = datetime.now()
    pick = random.choice([1, 2])
    key = uuid.uuid4()
    return {"started": started, "pick": pick, "key": key}


# expect: DSF003 10:15 use ctx.current_utc_datetime: the orchestrator must be deterministic
# expect: DSF003 11:12 use ctx.new_uuid()
# expect: DSF003 12:11 use ctx.new_uuid()
