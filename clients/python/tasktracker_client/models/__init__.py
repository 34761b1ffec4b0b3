"""Contains all the data models used in inputs/outputs"""

from .category import Category
from .category_create import CategoryCreate
from .category_list import CategoryList
from .category_update import CategoryUpdate
from .error import Error
from .error_detail import ErrorDetail
from .error_error import ErrorError
from .error_error_code import ErrorErrorCode
from .priority import Priority
from .task import Task
from .task_create import TaskCreate
from .task_list import TaskList
from .task_update import TaskUpdate

__all__ = (
    "Category",
    "CategoryCreate",
    "CategoryList",
    "CategoryUpdate",
    "Error",
    "ErrorDetail",
    "ErrorError",
    "ErrorErrorCode",
    "Priority",
    "Task",
    "TaskCreate",
    "TaskList",
    "TaskUpdate",
)
