"""Configuration as applications keep it: literals, names built from other names, a retry policy
and a polling interval."""

from datetime import timedelta

from durable_sfn import RetryOptions

SERVICE = "fulfilment"
QUEUE_PREFIX = SERVICE + "-queue-"
REGIONS = ["eu-west-1", "us-east-1"]
BASE_LIMIT = 50
LIMITS = {"standard": BASE_LIMIT, "priority": BASE_LIMIT * 4, "bulk": BASE_LIMIT * 20}
ATTEMPTS = 3
DEFAULT_RETRY = RetryOptions(first_retry_interval=timedelta(seconds=2), max_number_of_attempts=ATTEMPTS)
POLL_INTERVAL = timedelta(minutes=5)
ESCALATE_AFTER = POLL_INTERVAL * 3
