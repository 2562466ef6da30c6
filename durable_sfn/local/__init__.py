"""The local world: one in-process Step Functions environment, and what it loads.

- `runtime`: `LocalRuntime`, the engine with moto-backed AWS services, the external-event store,
  the user's activities and entities, and state machines created from loaded definitions;
- `definitions`: state machine definitions from `.asl.json` or orchestrator `.py` files, with
  `${Name}` placeholders filled with local ARNs;
- `activities`: importing `@activity` / `@entity` functions from modules, packages or files.

`durable-sfn run` and `serve` build on it; the test runners (`durable_sfn.testing`) are separate.
"""
