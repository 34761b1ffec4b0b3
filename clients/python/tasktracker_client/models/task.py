from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.priority import Priority

T = TypeVar("T", bound="Task")


@_attrs_define
class Task:
    """
    Attributes:
        task_id (str): A time-ordered id (ULID, Crockford base32).
        title (str):
        description (None | str):
        completed (bool):
        priority (Priority):
        due_date (datetime.datetime | None):
        category_id (None | str):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        version (int):
    """

    task_id: str
    title: str
    description: None | str
    completed: bool
    priority: Priority
    due_date: datetime.datetime | None
    category_id: None | str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        task_id = self.task_id

        title = self.title

        description: None | str
        description = self.description

        completed = self.completed

        priority = self.priority.value

        due_date: None | str
        if isinstance(self.due_date, datetime.datetime):
            due_date = self.due_date.isoformat()
        else:
            due_date = self.due_date

        category_id: None | str
        category_id = self.category_id

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "taskId": task_id,
                "title": title,
                "description": description,
                "completed": completed,
                "priority": priority,
                "dueDate": due_date,
                "categoryId": category_id,
                "createdAt": created_at,
                "updatedAt": updated_at,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        task_id = d.pop("taskId")

        title = d.pop("title")

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        completed = d.pop("completed")

        priority = Priority(d.pop("priority"))

        def _parse_due_date(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                due_date_type_0 = datetime.datetime.fromisoformat(data)

                return due_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        due_date = _parse_due_date(d.pop("dueDate"))

        def _parse_category_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        category_id = _parse_category_id(d.pop("categoryId"))

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updatedAt"))

        version = d.pop("version")

        task = cls(
            task_id=task_id,
            title=title,
            description=description,
            completed=completed,
            priority=priority,
            due_date=due_date,
            category_id=category_id,
            created_at=created_at,
            updated_at=updated_at,
            version=version,
        )

        task.additional_properties = d
        return task

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
