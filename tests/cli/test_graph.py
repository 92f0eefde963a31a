from __future__ import annotations

import pytest

from cli.errors import AiinvError, ExitCode, UsageError
from cli.graph import StackGraph, select

REAL_SHAPE = {
    "p-security-dev": [],
    "p-data-dev": ["p-security-dev"],
    "p-auth-dev": ["p-security-dev"],
    "p-compute-dev": ["p-security-dev", "p-data-dev"],
    "p-api-dev": ["p-auth-dev", "p-compute-dev"],
    "p-observability-dev": ["p-compute-dev", "p-api-dev"],
}


def test_deploy_order_puts_every_stack_after_its_dependencies_deterministically() -> None:
    graph = StackGraph(REAL_SHAPE)
    assert graph.order == ("p-security-dev", "p-auth-dev", "p-data-dev", "p-compute-dev", "p-api-dev",
                           "p-observability-dev")


def test_destroy_order_is_the_reverse_of_deploy_order() -> None:
    graph = StackGraph(REAL_SHAPE)
    assert graph.ordered(graph.order, reverse=True) == list(reversed(graph.order))


def test_cycle_error_names_a_stack_on_the_cycle() -> None:
    with pytest.raises(AiinvError, match=r"stack 'p-(a|b)' is part of a dependency cycle: .* -> "):
        StackGraph({"p-a": ["p-b"], "p-b": ["p-a"]})


def test_all_dependents_is_transitive() -> None:
    graph = StackGraph(REAL_SHAPE)
    assert graph.all_dependents(["p-data-dev"]) == {"p-compute-dev", "p-api-dev", "p-observability-dev"}


@pytest.mark.parametrize(("include", "exclude", "expected"), [
    ([], [], list(StackGraph(REAL_SHAPE).order)),
    (["data"], [], ["p-data-dev"]),
    (["p-auth-dev"], [], ["p-auth-dev"]),
    (["a*"], [], ["p-auth-dev", "p-api-dev"]),
    ([], ["observability", "api"], ["p-security-dev", "p-auth-dev", "p-data-dev", "p-compute-dev"]),
])
def test_selection_by_name_short_name_glob_and_exclusion(include, exclude, expected) -> None:
    assert select(StackGraph(REAL_SHAPE), include, exclude, prefix="p", env="dev") == expected


def test_unknown_stack_lists_the_valid_ones() -> None:
    with pytest.raises(UsageError) as err:
        select(StackGraph(REAL_SHAPE), ["nope"], [], prefix="p", env="dev")
    assert err.value.exit_code == ExitCode.USAGE
    assert str(err.value) == ("unknown stack 'nope'; valid stacks: security, auth, data, compute, api, "
                              "observability (or their full names)")
