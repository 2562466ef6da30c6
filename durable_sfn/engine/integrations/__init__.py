"""durable_sfn.engine.integrations."""
