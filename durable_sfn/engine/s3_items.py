"""Distributed Map items read from S3 and results written back, one item at a time.

Shared by the engine's Map state (ItemReader, ItemBatcher, ResultWriter) and the direct run of a
fan-out over S3 items, so both read and write exactly the same thing. Readers stream: an object
is read in chunks and an item is parsed when it is needed, so a million-line JSON Lines file is
never held whole in memory (moto may still hold the object itself).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

CHUNK_BYTES = 1 << 20
DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}
# Each result file holds at most this many child executions (AWS splits large results).
RECORDS_PER_FILE = 10_000


class ReaderError(Exception):
    """The items cannot be read (States.ItemReaderFailed)."""


def _chunks(body: Any) -> Iterator[bytes]:
    while True:
        chunk = body.read(CHUNK_BYTES)
        if not chunk:
            return
        yield chunk


def _lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Text lines, each with its newline, decoded from a stream of byte chunks."""
    rest = b""
    for chunk in chunks:
        rest += chunk
        start = 0
        while True:
            end = rest.find(b"\n", start)
            if end < 0:
                break
            yield rest[start : end + 1].decode("utf-8")
            start = end + 1
        rest = rest[start:]
    if rest:
        yield rest.decode("utf-8")


def _json_array(chunks: Iterable[bytes]) -> Iterator[Any]:
    """The elements of one JSON array, parsed as its text arrives."""
    decoder = json.JSONDecoder()
    text = codecs.getincrementaldecoder("utf-8")()  # a character may straddle two chunks
    source = iter(chunks)
    buffer = ""
    pos = 0
    done = False

    def more() -> bool:
        nonlocal buffer, pos, done
        if done:
            return False
        chunk = next(source, None)
        if chunk is None:
            done = True
            return False
        buffer = buffer[pos:] + text.decode(chunk)
        pos = 0
        return True

    def skip_space() -> str:
        nonlocal pos
        while True:
            while pos < len(buffer) and buffer[pos] in " \t\r\n":
                pos += 1
            if pos < len(buffer):
                return buffer[pos]
            if not more():
                return ""

    if skip_space() != "[":
        raise ReaderError("The ItemReader source must contain a JSON array.")
    pos += 1
    first = True
    while True:
        char = skip_space()
        if char == "]":
            pos += 1
            if skip_space():
                raise ReaderError("The JSON array is followed by other data.")
            return
        if not first:
            if char != ",":
                raise ReaderError(f"Expected ',' or ']' in the JSON array, found {char or 'the end'!r}.")
            pos += 1
            skip_space()
        first = False
        while True:
            try:
                value, end = decoder.raw_decode(buffer, pos)
            except json.JSONDecodeError:
                if more():
                    continue
                raise ReaderError("The JSON array is not valid JSON.") from None
            # A number or literal is whole only once a delimiter follows it: `-0` may be the start
            # of `-0.5e-3` whose rest is in the next chunk.
            whole = end < len(buffer) and buffer[end] in " \t\r\n,]"
            if buffer[pos] not in '[{"' and not whole and not done and more():
                continue
            break
        pos = end
        yield value


def _csv_rows(lines: Iterable[str], config: dict[str, Any]) -> Iterator[dict[str, str]]:
    delimiter = DELIMITERS.get(str(config.get("CSVDelimiter", "COMMA")))
    if delimiter is None:
        raise ReaderError(f"Unsupported CSVDelimiter '{config.get('CSVDelimiter')}'.")
    rows = csv.reader(lines, delimiter=delimiter)
    if config.get("CSVHeaderLocation", "FIRST_ROW") == "GIVEN":
        header = [str(h) for h in config.get("CSVHeaders", [])]
    else:
        header = next(rows, [])
    for row in rows:
        if row:
            yield dict(zip(header, row, strict=False))


def _objects(s3: Any, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    token = None
    while True:
        call = dict(params)
        if token:
            call["ContinuationToken"] = token
        page = s3.list_objects_v2(**call)
        for obj in page.get("Contents", []):
            modified = obj.get("LastModified")
            yield {
                "Etag": obj.get("ETag"),
                "Key": obj.get("Key"),
                "LastModified": int(modified.timestamp()) if modified is not None else None,
                "Size": obj.get("Size"),
                "StorageClass": obj.get("StorageClass"),
            }
        token = page.get("NextContinuationToken")
        if not token:
            return


def _manifest(s3: Any, params: dict[str, Any]) -> Iterator[dict[str, str]]:
    """An S3 Inventory (CSV) manifest.json: one item per row of the files it lists."""
    manifest = json.loads(s3.get_object(**params)["Body"].read())
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        raise ReaderError("The manifest is not an S3 Inventory manifest (no 'files' list).")
    if str(manifest.get("fileFormat", "CSV")).upper() != "CSV":
        raise ReaderError(f"Unsupported S3 Inventory fileFormat '{manifest.get('fileFormat')}': only CSV.")
    schema = [name.strip() for name in str(manifest.get("fileSchema", "")).split(",")]
    for entry in manifest["files"]:
        body = s3.get_object(Bucket=params["Bucket"], Key=entry["key"])["Body"]
        raw = _chunks(body)
        chunks = _chunks(gzip.GzipFile(fileobj=body)) if entry["key"].endswith(".gz") else raw
        for row in csv.reader(_lines(chunks)):
            if row:
                yield dict(zip(schema, row, strict=False))


def iter_items(s3: Any, resource: str, params: dict[str, Any], config: dict[str, Any]) -> Iterator[Any]:
    """The items an ItemReader reads, in order, at most ReaderConfig.MaxItems of them."""
    limit = config.get("MaxItems")
    items = _source(s3, resource, params, config)
    if isinstance(limit, int) and limit > 0:
        return (item for _, item in zip(range(limit), items, strict=False))
    return items


def _source(s3: Any, resource: str, params: dict[str, Any], config: dict[str, Any]) -> Iterator[Any]:
    if resource.endswith("s3:listObjectsV2"):
        return _objects(s3, params)
    fmt = config.get("InputType", "JSON")
    if fmt == "MANIFEST":
        return _manifest(s3, params)
    if fmt not in ("JSON", "JSONL", "CSV"):
        raise ReaderError(f"Unsupported ItemReader InputType '{fmt}'.")
    chunks = _chunks(s3.get_object(**params)["Body"])
    if fmt == "JSON":
        return _json_array(chunks)
    if fmt == "JSONL":
        return (json.loads(line) for line in _lines(chunks) if line.strip())
    return _csv_rows(_lines(chunks), config)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def child_inputs(
    items: Iterable[Any], max_items: int | None, max_bytes: int | None, batch_input: Any = None
) -> Iterator[str]:
    """Each child execution's input as compact JSON text: an item, or (with `max_items` or
    `max_bytes`, an ItemBatcher) a batch `{"Items": [...], "BatchInput": ...}` closed when it has
    `max_items` items or one more would take its items past `max_bytes` bytes.

    Text, not objects: a million small items held as Python objects take several hundred MB,
    as text a tenth of that; a child parses its input when it starts.
    """
    if max_items is None and max_bytes is None:
        yield from (_compact(item) for item in items)
        return
    tail = f',"BatchInput":{_compact(batch_input)}}}' if batch_input is not None else "}"
    current: list[str] = []
    size = 0
    for item in items:
        text = _compact(item)
        item_size = len(text.encode()) if not text.isascii() else len(text)
        if current and (
            (max_items is not None and len(current) >= max_items)
            or (max_bytes is not None and size + item_size > max_bytes)
        ):
            yield '{"Items":[' + ",".join(current) + "]" + tail
            current, size = [], 0
        current.append(text)
        size += item_size
    if current:
        yield '{"Items":[' + ",".join(current) + "]" + tail


class ResultFiles:
    """ResultWriter output in AWS's layout under `<prefix>/<map run id>/`: SUCCEEDED_n.json and
    FAILED_n.json (arrays of child execution records) and a manifest.json listing them."""

    def __init__(self, bucket: str, prefix: str, map_run_arn: str) -> None:
        self.bucket = bucket
        self.map_run_arn = map_run_arn
        run_id = map_run_arn.rsplit(":", 1)[-1]
        prefix = prefix.rstrip("/")
        self.base = f"{prefix}/{run_id}" if prefix else run_id
        self.records: dict[str, list[dict[str, Any]]] = {"SUCCEEDED": [], "FAILED": [], "PENDING": []}

    def add(self, index: int, child_input: Any, ok: bool, value: Any) -> None:
        """One child execution: its output when `ok`, else `value` is {"Error", "Cause"}."""
        self.add_text(index, _compact(child_input), ok, value)

    def add_text(self, index: int, input_text: str, ok: bool, value: Any) -> None:
        """`add` with the child's input already as compact JSON text."""
        record: dict[str, Any] = {
            "ExecutionArn": f"{self.map_run_arn}:{index}",
            "Input": input_text,
            "InputDetails": {"Included": True},
            "Name": str(index),
            "StateMachineArn": self.map_run_arn,
        }
        if ok:
            record.update(Status="SUCCEEDED", Output=_compact(value), OutputDetails={"Included": True})
            self.records["SUCCEEDED"].append(record)
        else:
            record.update(Status="FAILED", Error=value.get("Error"), Cause=value.get("Cause"))
            self.records["FAILED"].append(record)

    def write(self, put: Callable[[str, bytes], None]) -> dict[str, Any]:
        """Write the files with `put(key, body)`; returns the Map's output (ResultWriterDetails)."""
        files: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
        for status in ("SUCCEEDED", "FAILED", "PENDING"):
            records = sorted(self.records[status], key=lambda r: int(r["Name"]))
            for n, start in enumerate(range(0, len(records), RECORDS_PER_FILE)):
                key = f"{self.base}/{status}_{n}.json"
                body = _compact(records[start : start + RECORDS_PER_FILE]).encode()
                put(key, body)
                files[status].append({"Key": key, "Size": len(body)})
        manifest = {"DestinationBucket": self.bucket, "MapRunArn": self.map_run_arn, "ResultFiles": files}
        key = f"{self.base}/manifest.json"
        put(key, json.dumps(manifest).encode())
        return {"MapRunArn": self.map_run_arn, "ResultWriterDetails": {"Bucket": self.bucket, "Key": key}}


def map_run_arn(execution_arn: str, label: str, seed: str) -> str:
    """`arn:<partition>:states:<region>:<account>:mapRun:<state machine>/<label>:<map run id>`, the
    id a UUID derived from the execution and `seed` (so a run is reproducible)."""
    head, _, rest = execution_arn.partition(":execution:")
    machine = rest.split(":", 1)[0]
    run_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{execution_arn}/map-run/{seed}")
    return f"{head}:mapRun:{machine}/{label}:{run_id}"


def failure_limit(total: int, count: float | None, percentage: float | None) -> float:
    """How many children may fail: the smaller of ToleratedFailureCount and the percentage of
    `total` (rounded down); 0 when neither is set."""
    limits: list[float] = []
    if count is not None:
        limits.append(count)
    if percentage is not None:
        limits.append((total * percentage) // 100)
    return min(limits) if limits else 0
