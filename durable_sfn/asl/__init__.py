"""durable_sfn.asl."""
