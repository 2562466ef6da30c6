"""The canonical fan-out: a list of tasks built in a loop, awaited once with task_all, and a
generator expression over the results."""

import logging

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator


@activity(name="RwListImages")
def list_images(folder: str) -> list[JsonValue]:
    count = len(folder)
    return [{"name": f"{folder}/img{i}.png", "size": 100 * i} for i in range(count % 5)]


@activity(name="RwMakeThumbnail")
def make_thumbnail(image: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {"name": image["name"], "ok": image["size"] < 300, "bytes": image["size"] // 10}


@orchestrator(name="RwThumbnails")
async def thumbnails(ctx: OrchestrationContext) -> JsonValue:
    folder = ctx.get_input()
    images = await ctx.call_activity(list_images, folder)
    logging.info("Found %d images in %s", len(images), folder)

    tasks = []
    for image in images:
        tasks.append(ctx.call_activity(make_thumbnail, image))
    results = await ctx.task_all(tasks)

    made = sum(1 for r in results if r["ok"])
    total_bytes = sum(r["bytes"] for r in results)
    logging.info("Made %d of %d thumbnails (%d bytes)", made, len(results), total_bytes)
    return {"made": made, "failed": [r["name"] for r in results if not r["ok"]], "bytes": total_bytes}


ORCHESTRATOR = thumbnails
CONCURRENT = True
INPUTS: list[JsonValue] = ["holiday", "cats", "x"]
