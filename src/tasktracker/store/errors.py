"""What can go wrong in storage, in storage terms; the service maps these to API errors."""


class StoreError(Exception):
    pass


class ItemMissing(StoreError):
    """The item does not exist (for this user)."""


class VersionMismatch(StoreError):
    def __init__(self, current_version: int) -> None:
        super().__init__(f"current version is {current_version}")
        self.current_version = current_version


class CategoryMissing(StoreError):
    """A task names a category that does not exist."""


class CategoryNotEmpty(StoreError):
    pass


class NameTaken(StoreError):
    pass


class WriteConflict(StoreError):
    """A concurrent write won; the caller may retry."""


class StoreUnavailable(StoreError):
    """Throttled, failing or unreachable: transient."""
