"""clients/python, installed (not imported from the source tree), against the live local server."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "clients" / "python"


def _uv() -> str:
    local = ROOT / ".local" / "uv" / "bin" / "uv"
    found = str(local) if local.is_file() else shutil.which("uv")
    if not found:
        pytest.fail("uv not found: run `make install`")
    return found


@pytest.fixture(scope="session")
def sdk_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`uv pip install` the package (its wheel, built by its own build backend) into a fresh folder."""
    site = tmp_path_factory.mktemp("sdk-site")
    subprocess.run(
        [
            _uv(),
            "pip",
            "install",
            "--quiet",
            "--python",
            sys.executable,
            "--no-deps",
            "--refresh-package",
            "tasktracker-client",
            "--target",
            str(site),
            str(PKG),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    sys.path.insert(0, str(site))
    for name in [m for m in sys.modules if m == "tasktracker_client" or m.startswith("tasktracker_client.")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    return site


@pytest.fixture(scope="session")
def sdk(sdk_site: Path) -> Any:
    import tasktracker_client
    import tasktracker_client.sdk

    assert Path(tasktracker_client.__file__).is_relative_to(sdk_site), "must import the installed copy"
    return tasktracker_client


@pytest.fixture
def client(sdk: Any, server_url: str, alice: Any) -> Any:
    from tasktracker_client.sdk import connect

    with connect(server_url, alice.key) as c:
        yield c


def test_installed_package_metadata(sdk_site: Path) -> None:
    from packaging.requirements import Requirement

    dist = next(importlib.metadata.distributions(path=[str(sdk_site)]))
    assert dist.metadata["Name"] == "tasktracker-client"
    spec_version = yaml.safe_load((ROOT / "openapi.yaml").read_text())["info"]["version"]
    assert dist.version == spec_version
    assert (sdk_site / "tasktracker_client" / "py.typed").is_file()
    assert (sdk_site / "tasktracker_client" / "sdk.py").is_file()
    # The environment the tests run in satisfies the package's own requirements.
    for line in dist.requires or []:
        req = Requirement(line)
        assert importlib.metadata.version(req.name) in req.specifier, line


def test_task_crud(client: Any) -> None:
    from tasktracker_client.api.tasks import (
        create_task,
        delete_task,
        get_task,
        update_task,
    )
    from tasktracker_client.models import Priority, Task, TaskCreate, TaskUpdate
    from tasktracker_client.sdk import ApiError, etag, unwrap

    created = create_task.sync_detailed(
        client=client, body=TaskCreate(title="write the SDK", priority=Priority.HIGH, description="twice")
    )
    assert created.status_code == 201
    task = unwrap(created)
    assert isinstance(task, Task)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", task.task_id)
    assert (task.priority, task.completed, task.version, task.due_date) == (Priority.HIGH, False, 1, None)
    assert created.headers["location"] == f"/tasks/{task.task_id}"
    assert etag(created) == '"1"'

    assert get_task.sync(task.task_id, client=client) == task

    updated = unwrap(
        update_task.sync_detailed(task.task_id, client=client, body=TaskUpdate(completed=True, description=None))
    )
    assert (updated.completed, updated.description, updated.version) == (True, None, 2)

    gone = delete_task.sync_detailed(task.task_id, client=client)
    assert gone.status_code == 204
    assert unwrap(gone) is None
    with pytest.raises(ApiError) as e:
        unwrap(get_task.sync_detailed(task.task_id, client=client))
    assert (e.value.status_code, e.value.code) == (404, "TASK_NOT_FOUND")


def test_category_crud_and_task_count(client: Any) -> None:
    from tasktracker_client.api.categories import (
        create_category,
        delete_category,
        get_category,
        update_category,
    )
    from tasktracker_client.api.tasks import create_task, delete_task
    from tasktracker_client.models import CategoryCreate, CategoryUpdate, TaskCreate
    from tasktracker_client.sdk import ApiError, etag, unwrap

    created = create_category.sync_detailed(
        client=client, body=CategoryCreate(name="Home", color="#00AA88", icon="house")
    )
    cat = unwrap(created)
    assert (cat.name, cat.color, cat.icon, cat.task_count) == ("Home", "#00AA88", "house", 0)

    task = unwrap(create_task.sync_detailed(client=client, body=TaskCreate(title="sweep", category_id=cat.category_id)))
    current = get_category.sync_detailed(cat.category_id, client=client)
    assert unwrap(current).task_count == 1

    with pytest.raises(ApiError) as e:
        unwrap(delete_category.sync_detailed(cat.category_id, client=client))
    assert (e.value.status_code, e.value.code) == (409, "CATEGORY_NOT_EMPTY")
    with pytest.raises(ApiError) as e:
        unwrap(create_category.sync_detailed(client=client, body=CategoryCreate(name="HOME", color="#000000")))
    assert (e.value.status_code, e.value.code) == (409, "CATEGORY_NAME_TAKEN")

    renamed = update_category.sync_detailed(
        cat.category_id, client=client, if_match=etag(current), body=CategoryUpdate(name="House", icon=None)
    )
    assert (unwrap(renamed).name, unwrap(renamed).icon) == ("House", None)

    unwrap(delete_task.sync_detailed(task.task_id, client=client))
    emptied = get_category.sync_detailed(cat.category_id, client=client)
    assert unwrap(emptied).task_count == 0
    assert delete_category.sync_detailed(cat.category_id, client=client, if_match=etag(emptied)).status_code == 204
    with pytest.raises(ApiError) as e:
        unwrap(get_category.sync_detailed(cat.category_id, client=client))
    assert e.value.code == "CATEGORY_NOT_FOUND"


def test_tasks_paginate_to_the_end(client: Any) -> None:
    from tasktracker_client.api.categories import create_category
    from tasktracker_client.api.tasks import create_task, list_tasks
    from tasktracker_client.models import CategoryCreate, TaskCreate, TaskList
    from tasktracker_client.sdk import paginate, unwrap
    from tasktracker_client.types import UNSET

    cat = unwrap(create_category.sync_detailed(client=client, body=CategoryCreate(name="paged", color="#abcdef")))
    ids = [
        unwrap(
            create_task.sync_detailed(client=client, body=TaskCreate(title=f"t{i}", category_id=cat.category_id))
        ).task_id
        for i in range(7)
    ]
    for i in range(3):  # outside the filter: must not show up
        unwrap(create_task.sync_detailed(client=client, body=TaskCreate(title=f"other{i}")))
    newest_first = ids[::-1]

    pages: list[list[str]] = []
    cursor: Any = UNSET
    while True:
        page = unwrap(list_tasks.sync_detailed(client=client, category_id=cat.category_id, limit=3, cursor=cursor))
        assert isinstance(page, TaskList)
        pages.append([t.task_id for t in page.items])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [t for p in pages for t in p] == newest_first

    assert [
        t.task_id for t in paginate(list_tasks.sync_detailed, client=client, category_id=cat.category_id, limit=2)
    ] == newest_first
    assert len(list(paginate(list_tasks.sync_detailed, client=client, limit=4))) == 10


def test_categories_paginate_to_the_end(client: Any) -> None:
    from tasktracker_client.api.categories import create_category, list_categories
    from tasktracker_client.models import CategoryCreate
    from tasktracker_client.sdk import paginate, unwrap

    names = [
        unwrap(create_category.sync_detailed(client=client, body=CategoryCreate(name=f"c{i}", color="#123456"))).name
        for i in range(5)
    ]
    assert [c.name for c in paginate(list_categories.sync_detailed, client=client, limit=2)] == names[::-1]


def test_if_match_conflict_is_a_typed_error(client: Any) -> None:
    from tasktracker_client.api.tasks import (
        create_task,
        delete_task,
        get_task,
        update_task,
    )
    from tasktracker_client.models import Error, TaskCreate, TaskUpdate
    from tasktracker_client.sdk import ApiError, etag, unwrap

    created = create_task.sync_detailed(client=client, body=TaskCreate(title="contended"))
    task_id, stale = unwrap(created).task_id, etag(created)

    first = update_task.sync_detailed(task_id, client=client, body=TaskUpdate(title="first writer"), if_match=stale)
    assert unwrap(first).version == 2 and etag(first) == '"2"'

    second = update_task.sync_detailed(task_id, client=client, body=TaskUpdate(title="second writer"), if_match=stale)
    assert second.status_code == 412
    assert isinstance(second.parsed, Error)  # typed without unwrap, too
    assert second.parsed.error.code == "PRECONDITION_FAILED"  # a StrEnum member of the generated model
    with pytest.raises(ApiError) as e:
        unwrap(second)
    assert (e.value.status_code, e.value.code) == (412, "PRECONDITION_FAILED")
    assert e.value.correlation_id == second.headers["x-correlation-id"]
    assert "PRECONDITION_FAILED" in str(e.value)

    assert unwrap(get_task.sync_detailed(task_id, client=client)).title == "first writer"
    with pytest.raises(ApiError) as e:
        unwrap(delete_task.sync_detailed(task_id, client=client, if_match=stale))
    assert e.value.status_code == 412
    assert delete_task.sync_detailed(task_id, client=client, if_match=etag(first)).status_code == 204


def test_error_envelope_is_a_typed_error(sdk: Any, client: Any, server_url: str, bob: Any) -> None:
    from tasktracker_client.api.tasks import create_task, get_task, list_tasks
    from tasktracker_client.models import TaskCreate
    from tasktracker_client.sdk import ApiError, connect, unwrap

    # Invalid on purpose, twice (the models do not validate; the server must name both fields).
    bad = create_task.sync_detailed(
        client=client, body=TaskCreate(title="", description="bell\x07"), x_correlation_id="sdk-py-test-1"
    )
    with pytest.raises(ApiError) as e:
        unwrap(bad)
    err = e.value
    assert (err.status_code, err.code, err.correlation_id) == (400, "VALIDATION_ERROR", "sdk-py-test-1")
    assert {d.field for d in err.details} == {"body.title", "body.description"}
    assert all(d.message for d in err.details)

    with pytest.raises(ApiError) as e:
        unwrap(list_tasks.sync_detailed(client=client, cursor="not-a-real-cursor"))
    assert (e.value.status_code, e.value.code) == (400, "INVALID_CURSOR")

    with connect(server_url, "not-a-key") as stranger, pytest.raises(ApiError) as e:
        unwrap(list_tasks.sync_detailed(client=stranger))
    assert (e.value.status_code, e.value.code) == (401, "UNAUTHORIZED")

    mine = unwrap(create_task.sync_detailed(client=client, body=TaskCreate(title="private")))
    with connect(server_url, bob.key) as other, pytest.raises(ApiError) as e:
        unwrap(get_task.sync_detailed(mine.task_id, client=other))
    assert (e.value.status_code, e.value.code) == (404, "TASK_NOT_FOUND")  # another user's id: as if missing


def test_readme_example_runs(sdk_site: Path, server_url: str, make_user: Any) -> None:
    readme = (PKG / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    assert blocks, "clients/python/README.md has a ```python block"
    user = make_user()
    env = {**os.environ, "PYTHONPATH": str(sdk_site), "TASKTRACKER_URL": server_url, "TASKTRACKER_API_KEY": user.key}
    run = subprocess.run(
        [sys.executable, "-c", blocks[0]], check=False, env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    assert lines[0] == "Buy milk True"
    assert re.fullmatch(r"404 TASK_NOT_FOUND \S+", lines[-1]), run.stdout
