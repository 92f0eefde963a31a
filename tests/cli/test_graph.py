from __future__ import annotations

import pytest

from cli.core.errors import AiinvError, ExitCode, UsageError
from cli.engine.graph import StackGraph, select

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


REAL_NAMES = {k.replace("p-", "ai-investment-", 1): [d.replace("p-", "ai-investment-", 1) for d in v]
              for k, v in REAL_SHAPE.items()}


@pytest.mark.parametrize(("pattern", "expected"), [
    ("a*", ["auth", "api"]),
    ("*i", ["api"]),
    ("ai-investment-a*", ["auth", "api"]),
    ("ai-investment-*-dev", ["security", "auth", "data", "compute", "api", "observability"]),
    ("ai-investment-data-dev", ["data"]),
])
def test_patterns_match_short_names_and_full_names_only_when_they_name_the_prefix(pattern, expected) -> None:
    chosen = select(StackGraph(REAL_NAMES), [pattern], [], prefix="ai-investment", env="dev")
    assert [n.removeprefix("ai-investment-").removesuffix("-dev") for n in chosen] == expected


def test_a_pattern_that_only_matches_through_the_prefix_is_unknown() -> None:
    with pytest.raises(UsageError, match="unknown stack 'ai\\*'"):
        select(StackGraph(REAL_NAMES), ["ai*"], [], prefix="ai-investment", env="dev")
