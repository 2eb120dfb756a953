"""Reading tables, profiling their columns and target, and applying the profile's decisions."""

from __future__ import annotations

from automl.data.columns import ColumnProfile, Role, profile_column
from automl.data.load import Table, file_sha256, read_table
from automl.data.prepare import prepare_column, prepare_frame
from automl.data.profile import Profile, ProfileWarning, find_column, profile_table
from automl.data.target import TargetProfile, Task, analyse_target, target_values

__all__ = [
    "ColumnProfile",
    "Profile",
    "ProfileWarning",
    "Role",
    "Table",
    "TargetProfile",
    "Task",
    "analyse_target",
    "file_sha256",
    "find_column",
    "prepare_column",
    "prepare_frame",
    "profile_column",
    "profile_table",
    "read_table",
    "target_values",
]
