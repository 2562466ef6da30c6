"""IR -> a graph of ASL states (`states`), one small lowering per IR statement.

`core` holds ids, scopes, frames and Catch lists; `tasks` the statements that become one state;
`control_flow` branches, loops, try and raise on top of them; `loops` decides when a `for` loop
can be a Map; `entity_ops` builds entity operations from `durable_sfn.entities.contract`.
"""
