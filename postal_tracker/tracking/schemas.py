from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from postal_tracker.booking.schemas import Text


class FeedbackRequest(BaseModel):
    """A citizen's rating of a delivered result, proven by the last 4 digits of their phone."""

    phone_last4: Annotated[str, StringConstraints(pattern=r"^\d{4}$")]
    rating: Annotated[int, Field(ge=1, le=5)]
    comment: Text(1000, 0) | None = None
