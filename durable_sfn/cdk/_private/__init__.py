"""The construct library's helpers: definition analysis, Lambda packaging, IAM, checks, monitoring.

Users import from `durable_sfn.cdk`; nothing here is public API.
"""
