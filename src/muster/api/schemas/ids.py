"""Record ids as the API accepts them: positive and within a 32-bit column, so an absurd id
is a 422 rather than an integer overflow in the database."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_ROW_ID = 2**31 - 1

RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
