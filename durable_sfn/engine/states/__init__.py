"""durable_sfn.engine.states."""
