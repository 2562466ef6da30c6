"""A document pipeline's stages as activities, and the ordered list that names them."""

from durable_sfn import JsonValue, activity


class UnreadableDocument(Exception):
    pass


@activity(name="AcExtractText")
def extract_text(doc: dict[str, JsonValue]) -> dict[str, JsonValue]:
    if not doc.get("pages"):
        raise UnreadableDocument(f"{doc['name']} has no pages")
    return {**doc, "text": " ".join(str(p) for p in doc["pages"])}  # type: ignore[union-attr]


@activity(name="AcClassify")
def classify(doc: dict[str, JsonValue]) -> dict[str, JsonValue]:
    label = "invoice" if "total" in str(doc["text"]) else "letter"
    return {**doc, "label": label}


@activity(name="AcArchive")
def archive(doc: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {"name": doc["name"], "label": doc["label"], "archived": True}


STAGES = [extract_text, classify, archive]
