"""Entity identity, the decorator's checks and the context an operation sees."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from durable_sfn import DefinitionError
from durable_sfn.entities import EntityContext, EntityId, UnknownOperationError, entity, entity_definition
from tests.entities.sample_entities import account, counter


def test_entity_id_round_trips_through_its_text_form() -> None:
    eid = EntityId("Counter", "customer@42")
    assert str(eid) == "Counter@customer@42"
    assert EntityId.parse(str(eid)) == eid


@pytest.mark.parametrize(
    ("name", "key", "message"),
    [
        ("Bad Name", "k", "name 'Bad Name' is not valid"),
        ("Counter", "", "key for 'Counter' must be a non-empty string"),
        ("Counter", "k" * 2000, "keep it under 1900 bytes"),
    ],
)
def test_invalid_entity_ids_are_refused(name: str, key: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EntityId(name, key)


def test_decorator_records_a_definition_and_leaves_the_function_alone() -> None:
    definition = entity_definition(counter)
    assert definition is not None
    assert (definition.name, definition.operations) == (
        "Counter",
        frozenset({"add", "get", "reset", "add_then_fail"}),
    )
    assert definition.source_file.endswith("sample_entities.py") and definition.line > 0
    account_definition = entity_definition(account)
    assert account_definition is not None and account_definition.operations is None


def test_decorator_defaults_the_name_to_pascal_case() -> None:
    @entity
    def shopping_cart(ctx: EntityContext) -> None: ...

    definition = entity_definition(shopping_cart)
    assert definition is not None and definition.name == "ShoppingCart"


def test_decorator_misuse_fails_with_location() -> None:
    with pytest.raises(DefinitionError, match=r"test_model\.py:\d+: entity 'f' must be a plain def"):

        @entity(name="X")
        async def f(ctx: EntityContext) -> None: ...

    with pytest.raises(DefinitionError, match="exactly one parameter"):

        @entity(name="X")
        def g(ctx: EntityContext, extra: int) -> None: ...

    with pytest.raises(DefinitionError, match="not one string"):

        @entity(name="X", operations="add")
        def h(ctx: EntityContext) -> None: ...

    with pytest.raises(DefinitionError, match="name 'no spaces' is not valid"):

        @entity(name="no spaces")
        def i(ctx: EntityContext) -> None: ...


def test_context_state_initializer_is_not_stored_until_set() -> None:
    ctx = EntityContext(EntityId("Counter", "k"), "add", 5, "op")
    assert ctx.has_state() is False
    assert ctx.get_state(lambda: 10) == 10
    assert ctx.has_state() is False
    ctx.set_state(None)  # None is a real state, distinct from "no state"
    assert ctx.has_state() is True and ctx.get_state(lambda: 10) is None


def test_context_stores_pydantic_models_as_json() -> None:
    class Balance(BaseModel):
        amount: int

    ctx = EntityContext(EntityId("Account", "k"), "deposit", 1, "op")
    ctx.set_state(Balance(amount=3))
    ctx.set_result(Balance(amount=4))
    assert (ctx.get_state(), ctx.result) == ({"amount": 3}, {"amount": 4})


def test_unknown_operation_helper_names_entity_operation_and_known_ones() -> None:
    ctx = EntityContext(EntityId("Counter", "k"), "mul", None, "op", declared_operations=frozenset({"add"}))
    error = ctx.unknown_operation()
    assert isinstance(error, UnknownOperationError)
    assert "entity 'Counter' (key 'k') has no operation 'mul'; it handles add" in str(error)
