"""The local engine as a Step Functions endpoint (`durable-sfn serve`), and the management API.

- `app`: `LocalBackend` (one `LocalRuntime` behind every request) and `ServerConfig`;
- `httpd`: the HTTP server routing Step Functions, DynamoDB and management requests;
- `protocol`: the AWS JSON 1.0 protocol of Step Functions;
- `management`: the Durable-style management HTTP API, over an `OrchestrationClient`;
- `management_lambda`: the same API as an API Gateway Lambda handler on AWS.

Nothing is imported here: the management Lambda imports `durable_sfn.server.management_lambda`
on AWS, where the local engine's dependencies (moto, the CLI) are neither present nor wanted.
"""
