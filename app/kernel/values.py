"""What a value is here: a frozen, slotted dataclass.

Read models, rules, a page's rows, a job's arguments: immutable (a view cannot be edited on
its way to a template), slotted (no per-instance dict: a page of 500 rows stays small). One
decorator says so instead of `@dataclass(frozen=True, slots=True)` above every class, and
type checkers see it as that dataclass (PEP 681).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar, dataclass_transform

T = TypeVar("T")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def frozen(cls: type[T]) -> type[T]:
    return dataclass(frozen=True, slots=True)(cls)
