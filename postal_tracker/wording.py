"""Every word the service says about a parcel's journey in Vietnamese, in one place.

The API (`status_text_vi`, `text_vi`, `reason_text_vi`, `next_step_text_vi`), the pages (their
Vietnamese strings), the SMS to citizens, the manifests and the report PDFs all read it here,
so a wording changed here changes everywhere. Each thing has the forms its readers need:

- a status and an event as the citizen reads them on the timeline (`STATUS_TEXT_VI`,
  `EVENT_TEXT_VI`), and an event's short name as staff choose and count it (`EVENT_LABEL_VI`);
- a reason for a failed attempt and its next step as staff read them (`REASON_TEXT_VI`,
  `NEXT_STEP_TEXT_VI`), and as an SMS tells the citizen, per leg: at pickup the citizen sends
  the dossier, at return receives the result (`SMS_REASON_VI`, `SMS_NEXT_STEP_VI`).

Pure: no imports beyond `lifecycle`, so `integrations/` and `labels/` may read it too.
"""

from __future__ import annotations

from collections.abc import Mapping

from postal_tracker.lifecycle import REASONS, Event, Leg, NextStep, Reason, Status

STATUS_TEXT_VI: Mapping[Status, str] = {
    Status.BOOKED: "Đã đăng ký, chờ bưu tá đến thu gom",
    Status.PICKUP_FAILED: "Thu gom chưa thành công, bưu tá sẽ quay lại",
    Status.PICKED_UP: "Bưu tá đã nhận hồ sơ",
    Status.AT_POST_OFFICE: "Đang ở Bưu điện văn hóa xã",
    Status.AT_DESK: "Đã giao hồ sơ cho Bộ phận Một cửa",
    Status.COLLECTED: "Bưu tá đã nhận kết quả từ Bộ phận Một cửa",
    Status.OUT_FOR_DELIVERY: "Bưu tá đang đi phát kết quả",
    Status.DELIVERED: "Đã phát kết quả thành công",
    Status.DELIVERY_FAILED: "Phát chưa thành công, bưu tá sẽ phát lại",
    Status.RETURNED_TO_DESK: "Kết quả đã được trả lại Bộ phận Một cửa",
    Status.CANCELLED: "Đã hủy",
}

EVENT_TEXT_VI: Mapping[Event, str] = {
    Event.BOOKED: "Đã đăng ký gửi qua bưu điện",
    Event.PICKUP_FAILED: "Thu gom không thành công",
    Event.PICKED_UP: "Bưu tá đã nhận hồ sơ tại nhà",
    Event.ARRIVED_POST_OFFICE: "Đến Bưu điện văn hóa xã",
    Event.HANDED_TO_DESK: "Đã giao hồ sơ cho Bộ phận Một cửa",
    Event.COLLECTED_FROM_DESK: "Bưu tá đã nhận kết quả tại Bộ phận Một cửa",
    Event.OUT_FOR_DELIVERY: "Bưu tá đang đi phát kết quả",
    Event.DELIVERY_FAILED: "Phát không thành công",
    Event.DELIVERED: "Đã phát kết quả thành công",
    Event.RETURNED_TO_DESK: "Kết quả đã được trả lại Bộ phận Một cửa",
    Event.CANCELLED: "Đã hủy",
}
"""What happened, as a line of the timeline (`text_vi`)."""

EVENT_LABEL_VI: Mapping[Event, str] = {
    Event.BOOKED: "Đã đăng ký gửi qua bưu điện",
    Event.PICKED_UP: "Đã nhận hồ sơ tại nhà dân",
    Event.PICKUP_FAILED: "Thu gom không thành công",
    Event.ARRIVED_POST_OFFICE: "Đến Bưu điện văn hóa xã",
    Event.HANDED_TO_DESK: "Giao hồ sơ cho Bộ phận Một cửa",
    Event.COLLECTED_FROM_DESK: "Nhận kết quả tại Bộ phận Một cửa",
    Event.OUT_FOR_DELIVERY: "Mang kết quả đi phát",
    Event.DELIVERED: "Phát thành công",
    Event.DELIVERY_FAILED: "Phát không thành công",
    Event.RETURNED_TO_DESK: "Trả kết quả lại Bộ phận Một cửa",
    Event.CANCELLED: "Hủy",
}
"""An event's short name, as the postman chooses it and the desk counts it."""

REASON_TEXT_VI: Mapping[Reason, str] = {
    Reason.NOT_HOME: "Người dân vắng nhà",
    Reason.NOT_READY: "Hồ sơ chưa sẵn sàng",
    Reason.WRONG_ADDRESS: "Sai hoặc không tìm thấy địa chỉ",
    Reason.REFUSED: "Người dân từ chối",
    Reason.MOVED: "Người dân đã chuyển đi",
    Reason.OTHER: "Lý do khác",
}
"""Why an attempt failed (`reason_text_vi`, pages, manifests, reports)."""

NEXT_STEP_TEXT_VI: Mapping[NextStep, str] = {
    NextStep.RETRY_NEXT_ROUND: "Bưu tá quay lại ở chuyến sau",
    NextStep.CALL_CITIZEN: "Gọi điện cho người dân để hẹn lại",
    NextStep.HOLD_AT_POST_OFFICE: "Lưu tại Bưu điện văn hóa xã, chờ người dân đến nhận",
    NextStep.RETURN_TO_DESK: "Trả lại Bộ phận Một cửa",
}
"""What follows a failed attempt, as staff read it (`next_step_text_vi`, pages, manifests)."""

SMS_REASON_VI: Mapping[Leg, Mapping[Reason, str]] = {
    Leg.PICKUP: {
        Reason.NOT_HOME: "không có người ở nhà",
        Reason.NOT_READY: "hồ sơ chưa sẵn sàng",
        Reason.WRONG_ADDRESS: "sai địa chỉ",
        Reason.REFUSED: "người gửi từ chối",
        Reason.MOVED: "người gửi đã chuyển đi",
        Reason.OTHER: "sự cố khác",
    },
    Leg.RETURN: {
        Reason.NOT_HOME: "không có người ở nhà",
        Reason.NOT_READY: "người nhận chưa sẵn sàng",
        Reason.WRONG_ADDRESS: "sai địa chỉ",
        Reason.REFUSED: "người nhận từ chối",
        Reason.MOVED: "người nhận đã chuyển đi",
        Reason.OTHER: "sự cố khác",
    },
}
"""Why an attempt failed, as the SMS tells the citizen ("... do {reason}.")."""

SMS_NEXT_STEP_VI: Mapping[Leg, Mapping[NextStep, str]] = {
    Leg.PICKUP: {
        NextStep.RETRY_NEXT_ROUND: "Bưu tá sẽ quay lại chuyến sau.",
        NextStep.CALL_CITIZEN: "Bưu điện sẽ gọi để hẹn lại.",
        NextStep.HOLD_AT_POST_OFFICE: "Vui lòng liên hệ bưu điện xã.",
        NextStep.RETURN_TO_DESK: "Yêu cầu trả về Bộ phận Một cửa.",
    },
    Leg.RETURN: {
        NextStep.RETRY_NEXT_ROUND: "Bưu tá sẽ phát lại chuyến sau.",
        NextStep.CALL_CITIZEN: "Bưu điện sẽ gọi để hẹn lại.",
        NextStep.HOLD_AT_POST_OFFICE: "Mời nhận tại bưu điện xã.",
        NextStep.RETURN_TO_DESK: "Kết quả trả về Bộ phận Một cửa.",
    },
}
"""What follows a failed attempt, as the SMS tells the citizen."""

AT_CITIZEN_HOME_VI = "Tại nhà người dân"
"""Where a timeline event happened when the citizen's hamlet is not to be shown."""


def event_text_vi(event: str) -> str:
    return EVENT_TEXT_VI[Event(event)]


def reason_text_vi(reason: str) -> str:
    return REASON_TEXT_VI[Reason(reason)]


def next_step_text_vi(reason: str) -> str:
    """The next step after a failed attempt with this reason."""
    return NEXT_STEP_TEXT_VI[REASONS[Reason(reason)]]
