from enum import StrEnum


class TaskBulkActionAction(StrEnum):
    COMPLETE = "complete"
    DELETE = "delete"
    REOPEN = "reopen"

    def __str__(self) -> str:
        return str(self.value)
