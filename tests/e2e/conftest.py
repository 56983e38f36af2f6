"""Fixtures of the e2e suite: every selected example deployed once per session, concurrently,
each on its own local AWS endpoint; destroyed in the background once its other tests ran."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from e2e.moto_harness import STATS, Deployment, Registry, require_e2e_tools

DESTROY_TEST = "test_destroy_leaves_nothing"
SANDBOX_TEST = "test_sandbox_cli"
SANDBOX_EXAMPLE = "orders"
LIFECYCLE_MODULE = "test_e2e_lifecycle.py"
SPLITS_MODULE = "test_e2e_splits.py"


def _example_of(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    value = callspec.params.get("example") if callspec is not None else None
    return value if isinstance(value, str) else None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each example's destroy test after every other test of the session that uses the
    example (they are in several modules); the order is otherwise kept."""
    items.sort(key=lambda item: getattr(item, "originalname", None) == DESTROY_TEST)


@pytest.fixture(scope="session")
def e2e_registry(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    require_e2e_tools()
    registry = Registry(tmp_path_factory.mktemp("e2e"))
    selected: set[str] = set()
    for item in request.session.items:
        name = _example_of(item)
        if getattr(item, "originalname", None) == SANDBOX_TEST:
            registry.start_sandbox(SANDBOX_EXAMPLE)  # `up` alongside the examples' applies
        if item.path.name == LIFECYCLE_MODULE:
            registry.start_lifecycle()  # its stages alongside the examples' applies
        if item.path.name == SPLITS_MODULE:
            registry.start_splits()
        if name is None or "deployment" not in getattr(item, "fixturenames", ()):
            continue
        selected.add(name)
        if getattr(item, "originalname", item.name) == DESTROY_TEST:
            registry.destroy_wanted.add(name)
        else:
            registry.pending[name] = registry.pending.get(name, 0) + 1
    registry.start_all(sorted(selected))  # all applies at once: they mostly wait
    yield registry
    registry.close()


@pytest.fixture
def deployment(request: pytest.FixtureRequest, e2e_registry: Registry,
               example: str) -> Iterator[Deployment]:
    """The example, applied (waits for its background apply)."""
    deployed = e2e_registry.get(example).ready()
    yield deployed
    if request.node.originalname != DESTROY_TEST:
        e2e_registry.finished_test(example)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not (STATS.events_sent or STATS.timings):
        return
    terminalreporter.section("e2e")
    terminalreporter.write_line(
        f"events sent: {STATS.events_sent}; deliveries checked (event x queue): "
        f"{STATS.deliveries_checked}")
    for name, seconds in sorted(STATS.timings.items()):
        terminalreporter.write_line(f"{name}: {seconds:.0f} s")
