"""CPU per bulk order processed on moto (charge + stock reservation, as ProcessAllOrdersLargeBatch's
batches do), by the number of orders stored, with moto's own TransactWriteItems (which copies every
table a transaction names) and with the per-item rollback `create_resources` installs.

The first figure grows with the orders stored; the second should not. Single thread, one batch of
100 orders per size (or fewer, when fewer are stored).

python -m benchmarks order_cost                 # 100, 1,000 and 3,000 orders stored
python -m benchmarks.order_cost 100 10000       # chosen sizes
"""

from __future__ import annotations

import sys
import time

from benchmarks._reference_env import reference_environment

SIZES = (100, 1_000, 3_000)
BATCH = 100


def cost_per_order_ms(stored: int, moto_original: bool) -> float:
    from moto.dynamodb.models import DynamoDBBackend

    from lambdas.common import moto_support, sample_data
    from lambdas.common.resources import seed_bulk_orders
    from lambdas.orders.large_batch import process_order_batch

    with reference_environment():
        replacement = DynamoDBBackend.transact_write_items
        if moto_original:
            DynamoDBBackend.transact_write_items = moto_support.moto_transact_write_items  # type: ignore[method-assign]
        try:
            seed_bulk_orders(stored)
            batch = [{"OrderId": order["OrderId"]} for order in sample_data.bulk_orders(min(stored, BATCH))]
            started = time.process_time()
            summary = process_order_batch(batch)
            elapsed = time.process_time() - started
        finally:
            DynamoDBBackend.transact_write_items = replacement  # type: ignore[method-assign]
    assert summary["Successful"] == len(batch), summary
    return 1000 * elapsed / len(batch)


def main(argv: list[str] | None = None) -> None:
    sizes = [int(arg) for arg in argv] if argv else list(SIZES)
    print(f"{'orders stored':>14} {'moto (ms CPU/order)':>20} {'per-item (ms CPU/order)':>24}")
    for stored in sizes:
        original = cost_per_order_ms(stored, moto_original=True)
        per_item = cost_per_order_ms(stored, moto_original=False)
        print(f"{stored:>14,} {original:>20.1f} {per_item:>24.1f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
