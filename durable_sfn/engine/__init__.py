"""durable_sfn.engine."""
