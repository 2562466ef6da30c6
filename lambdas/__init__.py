"""The reference application's activities, one package per domain.

Each activity is a plain `@activity` function: the local engine calls it in-process, and on AWS the
same function runs as a Lambda through `durable_sfn.lambda_entry.handler`.
"""
