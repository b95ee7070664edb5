"""``Provided[T]``: a route handler parameter that receives one of the process's services by
name (``infra``, ``dbs``, ``storage``, ...: see ``Services.dependencies``). They are the
process's own objects, so the signature model neither validates nor copies them."""

from __future__ import annotations

from typing import Annotated, TypeAlias, TypeVar

from litestar.di import Dependency
from litestar.params import SkipValidationMarker

T = TypeVar("T")
Provided: TypeAlias = Annotated[T, Dependency(kind="named"), SkipValidationMarker()]
