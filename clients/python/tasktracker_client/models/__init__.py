"""Contains all the data models used in inputs/outputs"""

from .category import Category
from .category_create import CategoryCreate
from .category_list import CategoryList
from .category_update import CategoryUpdate
from .clear_completed_result import ClearCompletedResult
from .delete_category_cascade import DeleteCategoryCascade
from .error import Error
from .error_body import ErrorBody
from .error_body_code import ErrorBodyCode
from .error_detail import ErrorDetail
from .priority import Priority
from .task import Task
from .task_batch_create import TaskBatchCreate
from .task_batch_item_result import TaskBatchItemResult
from .task_batch_result import TaskBatchResult
from .task_bulk_action import TaskBulkAction
from .task_bulk_action_action import TaskBulkActionAction
from .task_create import TaskCreate
from .task_list import TaskList
from .task_update import TaskUpdate

__all__ = (
    "Category",
    "CategoryCreate",
    "CategoryList",
    "CategoryUpdate",
    "ClearCompletedResult",
    "DeleteCategoryCascade",
    "Error",
    "ErrorBody",
    "ErrorBodyCode",
    "ErrorDetail",
    "Priority",
    "Task",
    "TaskBatchCreate",
    "TaskBatchItemResult",
    "TaskBatchResult",
    "TaskBulkAction",
    "TaskBulkActionAction",
    "TaskCreate",
    "TaskList",
    "TaskUpdate",
)
