"""ProcessAllOrdersBatch and ProcessInvoicesBatch end to end: fan-out, partial failures, totals."""

from __future__ import annotations

from decimal import Decimal

from durable_sfn.testing import run_local
from lambdas.common import sample_data as data
from lambdas.common.aws import table
from lambdas.common.config import Settings
from statemachines.process_all_orders import process_all_orders
from statemachines.process_invoices import process_invoices
from tests.lambdas.conftest import sent_email_count


def orders(ids: list[str]) -> list[dict[str, str]]:
    return [{"OrderId": order_id} for order_id in ids]


def test_order_batch_with_partial_failures(aws: Settings) -> None:
    result = run_local(process_all_orders, {"Orders": orders(data.BATCH_ORDERS)})
    assert result.status == "SUCCEEDED"
    assert result.output == {
        "TotalProcessed": 6,
        "Successful": 3,
        "Failed": 3,
        "TotalRevenue": 205.0,  # 25 + 50 + 130
        "FailedOrders": ["ORD-2003", "ORD-2004", "ORD-2998"],
        "Errors": {"ORD-2003": "PaymentDeclined", "ORD-2004": "OutOfStock", "ORD-2998": "OrderNotFound"},
    }
    assert result.custom_status == {"Phase": "Complete", "Orders": 6, "Failed": 3}
    assert sorted(c.input["OrderId"] for c in result.activity_calls) == sorted(data.BATCH_ORDERS)
    # The out-of-stock order was charged, then refunded inside the activity.
    assert Decimal(
        table(aws.payments_table).get_item(Key={"Pk": "CARD#card-gold"})["Item"]["Available"]
    ) == Decimal(20000 - 205)


def test_order_batch_all_successful(aws: Settings) -> None:
    result = run_local(process_all_orders, {"Orders": orders(["ORD-2001", "ORD-2002"])})
    assert result.output["Successful"] == 2 and result.output["FailedOrders"] == []


def test_empty_order_batch(aws: Settings) -> None:
    result = run_local(process_all_orders, {"Orders": []})
    assert result.output["TotalProcessed"] == 0 and result.output["TotalRevenue"] == 0


def test_order_batch_through_sub_orchestrations(aws: Settings) -> None:
    result = run_local(
        process_all_orders, {"Orders": orders(data.SUB_BATCH_ORDERS), "UseSubOrchestrations": True}
    )
    assert result.status == "SUCCEEDED"
    assert result.output["Successful"] == 2
    assert result.output["TotalRevenue"] == 155.0  # 75 + 80
    assert result.output["Errors"] == {
        "ORD-3002": "Payment failed: Card card-blocked is blocked (order ORD-3002)"
    }
    # Every order went through the full chain, confirmation emails included.
    assert result.activity_names().count("ValidateOrderActivity") == 3
    assert result.activity_names().count("NotifyPaymentFailure") == 1
    assert sent_email_count() == 2
    assert "ProcessSingleOrderActivity" not in result.activity_names()


def test_invoice_batch_with_invalid_and_unreadable_documents(aws: Settings) -> None:
    ids = data.VALID_INVOICES + data.INVALID_INVOICES + data.UNREADABLE_INVOICES + [data.MISSING_INVOICE]
    result = run_local(process_invoices, ids)
    assert result.status == "SUCCEEDED"
    output = result.output
    assert (output["TotalInvoices"], output["ProcessedSuccessfully"], output["Failed"]) == (10, 3, 7)
    assert output["TotalAmount"] == 2535.95  # 424.98 + 1800.00 + 310.97
    failed = {f["InvoiceId"]: f["Errors"] for f in output["FailedInvoices"]}
    assert failed == {
        "INV-2026-004": ["Line items add up to 212.49, but the total is 250.00"],
        "INV-2026-005": ["Due date 2026-02-01 is not after issue date 2026-03-01"],
        "INV-2026-006": ["Missing invoice number", "Missing vendor"],
        "INV-2026-007": [
            "Missing invoice number",
            "Missing vendor",
            "Missing issue date",
            "Missing due date",
            "No line items",
            "Missing total",
        ],
        "INV-2026-008": [
            "InvalidInvoiceDocument: Invoice INV-2026-008 "
            "(s3://durable-sfn-invoices-123456789012/invoices/INV-2026-008.pdf) "
            "is not a PDF: it starts with b'Invoice INV-2026'"
        ],
        "INV-2026-009": [
            "InvalidInvoiceDocument: Invoice INV-2026-009 "
            "(s3://durable-sfn-invoices-123456789012/invoices/INV-2026-009.pdf) "
            "is a corrupt PDF: PdfStreamError: Stream has ended unexpectedly"
        ],
        "INV-2026-404": [
            "InvoiceNotFound: Invoice INV-2026-404: "
            "s3://durable-sfn-invoices-123456789012/invoices/INV-2026-404.pdf does not exist"
        ],
    }
    saved = sorted(r["InvoiceNumber"] for r in table(aws.invoices_table).scan()["Items"])
    assert saved == ["A-1001", "GLX-77", "INI-2026-3"]
    logged = sorted(r["InvoiceId"] for r in table(aws.invoice_errors_table).scan()["Items"])
    assert logged == sorted(failed)
    # No payload ever carried document bytes: activity inputs are ids and S3 references.
    assert all(len(str(call.input)) < 2000 for call in result.activity_calls)


def test_invoice_batch_twice_saves_nothing_twice(aws: Settings) -> None:
    run_local(process_invoices, data.VALID_INVOICES)
    again = run_local(process_invoices, data.VALID_INVOICES, execution_name="again")
    assert again.output["ProcessedSuccessfully"] == 3
    assert len(table(aws.invoices_table).scan()["Items"]) == 3


def test_duplicate_invoice_number_with_other_content_fails_that_invoice(aws: Settings) -> None:
    from lambdas.common.aws import client
    from lambdas.invoices.documents import SampleInvoice, pdf_key, render_invoice_pdf

    original = data.INVOICES["INV-2026-001"]
    forged = SampleInvoice(
        original.number, "Forged Ltd", original.issue_date, original.due_date, original.items, original.total
    )
    client("s3").put_object(
        Bucket=aws.invoice_bucket, Key=pdf_key("INV-FORGED"), Body=render_invoice_pdf(forged)
    )
    run_local(process_invoices, ["INV-2026-001"])
    result = run_local(process_invoices, ["INV-FORGED"], execution_name="forged")
    assert result.output["ProcessedSuccessfully"] == 0
    [failure] = result.output["FailedInvoices"]
    assert failure["InvoiceId"] == "INV-FORGED"
    assert failure["Errors"] == [
        "DuplicateInvoice: Invoice number A-1001 was already saved from INV-2026-001 with different content; "
        "INV-FORGED was not saved"
    ]
    stored = table(aws.invoices_table).get_item(Key={"InvoiceNumber": original.number})["Item"]
    assert stored["Vendor"] == "Acme Supplies Ltd"
