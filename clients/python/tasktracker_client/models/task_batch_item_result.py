from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.error_body import ErrorBody
    from ..models.task import Task


T = TypeVar("T", bound="TaskBatchItemResult")


@_attrs_define
class TaskBatchItemResult:
    """
    Attributes:
        index (int): Position in the request.
        status (int): What this item's own request would have answered (201, 200, 204, 404, 409, 422, 503).
        task_id (None | str):
        task (None | Task):
        error (ErrorBody | None):
    """

    index: int
    status: int
    task_id: None | str
    task: None | Task
    error: ErrorBody | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.error_body import ErrorBody  # noqa: PLC0415
        from ..models.task import Task  # noqa: PLC0415

        index = self.index

        status = self.status

        task_id: None | str
        task_id = self.task_id

        task: dict[str, Any] | None
        if isinstance(self.task, Task):
            task = self.task.to_dict()
        else:
            task = self.task

        error: dict[str, Any] | None
        if isinstance(self.error, ErrorBody):
            error = self.error.to_dict()
        else:
            error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "index": index,
                "status": status,
                "taskId": task_id,
                "task": task,
                "error": error,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.error_body import ErrorBody  # noqa: PLC0415
        from ..models.task import Task  # noqa: PLC0415

        d = dict(src_dict)
        index = d.pop("index")

        status = d.pop("status")

        def _parse_task_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        task_id = _parse_task_id(d.pop("taskId"))

        def _parse_task(data: object) -> None | Task:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                task_type_1 = Task.from_dict(data)

                return task_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Task, data)

        task = _parse_task(d.pop("task"))

        def _parse_error(data: object) -> ErrorBody | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_1 = ErrorBody.from_dict(data)

                return error_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorBody | None, data)

        error = _parse_error(d.pop("error"))

        task_batch_item_result = cls(
            index=index,
            status=status,
            task_id=task_id,
            task=task,
            error=error,
        )

        task_batch_item_result.additional_properties = d
        return task_batch_item_result

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
