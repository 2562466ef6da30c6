"""durable_sfn.compiler."""
