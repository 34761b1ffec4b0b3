"""scripts/sdk_spec.py: the SDKs' input is derived from openapi.yaml mechanically."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import sdk_spec


def test_operation_ids_become_sdk_names() -> None:
    assert sdk_spec.sdk_name("tasktracker.api.tasks.create_task") == "createTask"
    assert sdk_spec.sdk_name("tasktracker.api.tasks.create_tasks_in_batch") == "createTasksInBatch"
    assert sdk_spec.sdk_name("listCategories") == "listCategories"


def test_real_spec_derives_friendly_unique_names_and_no_gateway_extensions() -> None:
    original = sdk_spec.load(ROOT / "openapi.yaml")
    derived = sdk_spec.derive(original)
    ops = [op for item in derived["paths"].values() for m, op in item.items() if m in sdk_spec.METHODS]
    names = [op["operationId"] for op in ops]
    assert len(ops) >= 10 and len(set(names)) == len(names)
    assert all("." not in n and "_" not in n for n in names)
    assert {"createTask", "listTasks", "getTask", "updateTask", "deleteTask", "listCategories"} <= set(names)
    assert "x-amazon-apigateway" not in repr(derived)
    assert original["paths"]["/tasks"]["post"]["operationId"] == "tasktracker.api.tasks.create_task"  # untouched
    assert derived["components"]["schemas"] == original["components"]["schemas"]


def test_collisions_and_overrides() -> None:
    spec = {
        "paths": {"/a": {"get": {"operationId": "x.a.list_items"}}, "/b": {"get": {"operationId": "x.b.list_items"}}}
    }
    with pytest.raises(ValueError, match="listItems"):
        sdk_spec.derive(spec)
    spec["paths"]["/b"]["get"]["x-sdk-name"] = "listOtherItems"
    derived = sdk_spec.derive(spec)
    assert derived["paths"]["/b"]["get"] == {"operationId": "listOtherItems"}


def test_yaml_timestamps_stay_strings(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("info: {version: 1.0.0}\nexample: 2026-11-26T10:00:00.000Z\n")
    assert sdk_spec.load(path)["example"] == "2026-11-26T10:00:00.000Z"


def test_links_follow_the_renamed_operations() -> None:
    link = {"operationId": "x.tasks.get_task", "parameters": {"taskId": "$response.body#/taskId"}}
    spec = {
        "paths": {
            "/t": {"post": {"operationId": "x.tasks.create_task", "responses": {"201": {"links": {"Get": link}}}}},
            "/t/{taskId}": {"get": {"operationId": "x.tasks.get_task"}},
        },
        "components": {"links": {"GetTask": dict(link)}},
    }
    derived = sdk_spec.derive(spec)
    assert derived["paths"]["/t"]["post"]["responses"]["201"]["links"]["Get"]["operationId"] == "getTask"
    assert derived["components"]["links"]["GetTask"]["operationId"] == "getTask"
    assert spec["paths"]["/t"]["post"]["responses"]["201"]["links"]["Get"]["operationId"] == "x.tasks.get_task"
