"""Application settings imported by orchestrators."""

from datetime import timedelta

from durable_sfn import RetryOptions

REGIONS = ["eu-west-1", "us-east-1", "ap-south-1"]
TIER_DISCOUNTS = {"gold": 0.15, "silver": 0.05, "basic": 0.0}
MAX_ITEMS = 5
APPROVAL_WINDOW = timedelta(hours=4)
DEFAULT_RETRY = RetryOptions(first_retry_interval=timedelta(seconds=2), max_number_of_attempts=3)
PREFIX = "INV-"
CURRENCY = "EUR"
