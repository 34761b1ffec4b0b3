from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.task_bulk_action_action import TaskBulkActionAction

T = TypeVar("T", bound="TaskBulkAction")


@_attrs_define
class TaskBulkAction:
    """
    Attributes:
        action (TaskBulkActionAction):
        task_ids (list[str]):
    """

    action: TaskBulkActionAction
    task_ids: list[str]

    def to_dict(self) -> dict[str, Any]:
        action = self.action.value

        task_ids = self.task_ids

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "action": action,
                "taskIds": task_ids,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        action = TaskBulkActionAction(d.pop("action"))

        task_ids = cast(list[str], d.pop("taskIds"))

        task_bulk_action = cls(
            action=action,
            task_ids=task_ids,
        )

        return task_bulk_action
