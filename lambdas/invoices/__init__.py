"""Invoice processing: PDFs in S3 -> text -> typed invoice data -> validation -> invoices table."""
