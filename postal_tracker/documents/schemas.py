"""Request bodies of the document endpoints (contract: API.md, Shipments)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

LabelSize = Literal["a6", "a4"]
"""`a6`: one 100 x 150 mm thermal label a page; `a4`: four labels a sheet with cut marks."""

MAX_LABELS = 500


class LabelBatch(BaseModel):
    tracking_nos: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=40)]], Field(min_length=1, max_length=MAX_LABELS)
    ]
    size: LabelSize = "a6"
