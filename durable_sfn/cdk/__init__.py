"""durable_sfn.cdk."""
