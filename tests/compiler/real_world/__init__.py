"""Orchestrators written the way Durable Functions users write them (logging, task lists built in
loops, helper functions, tuple unpacking, generator expressions), one per module, each run direct
and compiled by tests/compiler/test_real_world.py. Every module names its entry orchestrator
`ORCHESTRATOR`, the inputs to run it with (`INPUTS`), and whether its tasks run concurrently
(`CONCURRENT`: activity calls and log records are then compared as multisets)."""
