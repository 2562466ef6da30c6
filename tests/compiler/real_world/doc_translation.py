"""Tasks created one by one (`t = ctx.call_activity(...)`, `tasks.append(t)`) under a condition,
results zipped with their inputs, print() of progress."""

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

SUPPORTED = ["de", "fr", "ja", "es"]


@activity(name="RwTranslate")
def translate(request: dict[str, JsonValue]) -> str:
    return f"[{request['lang']}] {request['text']}"


@orchestrator(name="RwDocTranslation")
async def doc_translation(ctx: OrchestrationContext) -> JsonValue:
    doc = ctx.get_input()
    langs = [lang for lang in doc["languages"] if lang in SUPPORTED]
    print("Translating into", len(langs), "languages")
    tasks = []
    for lang in langs:
        t = ctx.call_activity(translate, {"lang": lang, "text": doc["text"]})
        tasks.append(t)
    translations = await ctx.task_all(tasks)
    print("Done:", ", ".join(langs))
    return {lang: text for lang, text in zip(langs, translations)}  # noqa: B905


ORCHESTRATOR = doc_translation
CONCURRENT = True
INPUTS: list[JsonValue] = [
    {"text": "hello", "languages": ["de", "xx", "ja"]},
    {"text": "hi", "languages": []},
]
