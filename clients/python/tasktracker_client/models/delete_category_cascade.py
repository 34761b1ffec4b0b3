from enum import StrEnum


class DeleteCategoryCascade(StrEnum):
    DETACH = "detach"

    def __str__(self) -> str:
        return str(self.value)
