"""Distributed Map items read from S3 one at a time: a JSON array parsed as it arrives gives what
json.loads gives whatever the chunk boundaries, batches close by count and by size, and result
files follow the ResultWriter layout."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from durable_sfn.engine import s3_items

ARRAY: list[Any] = [
    12345678901234567890,
    -0.5e-3,
    'a \\" ] , [ string',
    {"nested": [1, [2, {"x": None}]], "t": True},
    [],
    {},
    None,
    False,
    "ünïcode ✓",
]


class Chunked:
    """A body that hands out `size` bytes a read, as a streamed S3 object does."""

    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.size = io.BytesIO(data), size

    def read(self, amount: int) -> bytes:
        return self.data.read(min(amount, self.size))


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 1 << 20])
def test_a_json_array_parses_the_same_whatever_the_chunks(size: int) -> None:
    text = json.dumps(ARRAY, indent=2, ensure_ascii=False).encode()
    assert list(s3_items._json_array(s3_items._chunks(Chunked(text, size)))) == ARRAY


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b'{"a": 1}', "must contain a JSON array"),
        (b"[1, 2", "found 'the end'"),
        (b'[1, "ab', "not valid JSON"),
        (b"[1 2]", "Expected ',' or ']'"),
        (b"[1] 2", "followed by other data"),
    ],
)
def test_what_is_not_one_json_array_is_refused(text: bytes, message: str) -> None:
    with pytest.raises(s3_items.ReaderError, match=message):
        list(s3_items._json_array(s3_items._chunks(Chunked(text, 2))))


def test_lines_keep_their_text_across_chunks() -> None:
    body = b'a,b\n1,"x\ny"\n2,z'
    rows = list(s3_items._csv_rows(s3_items._lines(s3_items._chunks(Chunked(body, 3))), {}))
    assert rows == [{"a": "1", "b": "x\ny"}, {"a": "2", "b": "z"}]


def test_batches_close_by_count_and_by_size() -> None:
    items = [{"n": i} for i in range(7)]
    by_count = [json.loads(t)["Items"] for t in s3_items.child_inputs(items, 3, None)]
    assert by_count == [items[0:3], items[3:6], items[6:]]
    # Each item is 7 bytes compact: 20 bytes hold two.
    by_size = [json.loads(t)["Items"] for t in s3_items.child_inputs(items, 100, 20, {"run": 1})]
    assert [len(b) for b in by_size] == [2, 2, 2, 1]
    assert json.loads(next(s3_items.child_inputs(items, 100, 20, {"run": 1})))["BatchInput"] == {"run": 1}
    assert list(s3_items.child_inputs(["x"], None, None)) == ['"x"']


def test_result_files_are_split_and_listed_in_a_manifest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(s3_items, "RECORDS_PER_FILE", 2)
    arn = s3_items.map_run_arn("arn:aws:states:us-east-1:123456789012:execution:M:e", "Label", "4")
    files = s3_items.ResultFiles("bucket", "out/", arn)
    for i in range(5):
        files.add(i, {"i": i}, i != 3, {"Error": "E", "Cause": "c"} if i == 3 else i * 10)
    written: dict[str, Any] = {}
    details = files.write(lambda key, body: written.__setitem__(key, json.loads(body)))
    run_id = arn.rsplit(":", 1)[1]
    assert arn.startswith("arn:aws:states:us-east-1:123456789012:mapRun:M/Label:")
    assert details == {
        "MapRunArn": arn,
        "ResultWriterDetails": {"Bucket": "bucket", "Key": f"out/{run_id}/manifest.json"},
    }
    manifest = written[f"out/{run_id}/manifest.json"]
    assert [f["Key"] for f in manifest["ResultFiles"]["SUCCEEDED"]] == [
        f"out/{run_id}/SUCCEEDED_0.json",
        f"out/{run_id}/SUCCEEDED_1.json",
    ]
    assert manifest["ResultFiles"]["PENDING"] == []
    (failed,) = written[f"out/{run_id}/FAILED_0.json"]
    assert (failed["Name"], failed["Status"], failed["Error"], failed["Input"]) == (
        "3",
        "FAILED",
        "E",
        '{"i":3}',
    )
    assert [r["Output"] for r in written[f"out/{run_id}/SUCCEEDED_1.json"]] == ["20", "40"]
