"""SMS templates (pure) and providers, the HTTP gateway against a real server on 127.0.0.1."""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.sms import (
    FAILURE_EVENTS,
    NEXT_STEP_TEXT,
    REASON_NEXT_STEP,
    REASON_TEXT,
    SMS_EVENTS,
    SMS_GSM7_LIMIT,
    HttpGatewayProvider,
    LogProvider,
    SmsSettings,
    gsm7_length,
    is_ascii_gsm7,
    make_provider,
    mask_phone,
    render_sms,
    to_gsm7,
    unaccent,
)
from tests.integrations.servers import Reply, serve, unused_url

TRACKING_NO = "RR123456785VN"
AT = datetime(2025, 3, 5, 7, 30, tzinfo=UTC)  # 14:30 in Vietnam
URL = f"https://buudien.tamphuoc.vn/track?no={TRACKING_NO}"
SHORT_PROCEDURE = "Đăng ký khai sinh"
LONG_PROCEDURE = "Cấp bản sao trích lục hộ tịch, bản sao giấy khai sinh và xác nhận tình trạng hôn nhân"
PHONE = "+84912345678"

VIETNAMESE_LETTERS = "aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvxyỳỷỹýỵ"
VIETNAMESE_LETTERS += VIETNAMESE_LETTERS.upper()

CASES = [
    (event, reason)
    for event in sorted(SMS_EVENTS)
    for reason in (sorted(REASON_NEXT_STEP) if event in FAILURE_EVENTS else [None])
]


def render(event: str, reason: str | None, **kwargs: object) -> str:
    options: dict = {"tracking_no": TRACKING_NO, "procedure_name": SHORT_PROCEDURE, "at": AT}
    options.update(kwargs)
    return render_sms(event, reason=reason, **options)


# --- templates --------------------------------------------------------------------------------


@pytest.mark.parametrize(("event", "reason"), CASES)
def test_every_template_renders_in_vietnamese(event: str, reason: str | None) -> None:
    text = render(event, reason, tracking_url=URL)
    assert TRACKING_NO in text
    assert URL in text
    assert SHORT_PROCEDURE in text
    assert unicodedata.is_normalized("NFC", text)
    assert not text.isascii()
    assert set(text) & set("ưươđăâêôạảấầẩẫậắằẳẵặếềểễệọỏốồổỗộớờởỡợụủứừửữự")
    assert "{" not in text and "}" not in text
    if reason is not None:
        leg = "pickup" if event == "pickup_failed" else "return"
        assert REASON_TEXT[leg][reason] in text
        assert NEXT_STEP_TEXT[leg][REASON_NEXT_STEP[reason]] in text


@pytest.mark.parametrize(("event", "reason"), CASES)
@pytest.mark.parametrize("procedure", [SHORT_PROCEDURE, LONG_PROCEDURE])
@pytest.mark.parametrize("url", [None, URL])
def test_every_unaccented_template_is_one_gsm7_segment(
    event: str, reason: str | None, procedure: str, url: str | None
) -> None:
    text = render(event, reason, procedure_name=procedure, tracking_url=url, unaccented=True)
    assert text.isascii()
    assert is_ascii_gsm7(text)
    assert gsm7_length(text) <= SMS_GSM7_LIMIT, text
    assert TRACKING_NO in text
    if url:
        assert URL in text


@pytest.mark.parametrize(("event", "reason"), CASES)
def test_the_unaccented_text_is_the_accented_one_without_marks(event: str, reason: str | None) -> None:
    accented = render(event, reason)
    unaccented = render(event, reason, unaccented=True)
    if gsm7_length(unaccent(accented)) <= SMS_GSM7_LIMIT:
        assert unaccented == unaccent(accented)


@settings(max_examples=100, deadline=None)
@given(
    case=st.sampled_from(CASES),
    procedure=st.text(alphabet=VIETNAMESE_LETTERS + " ,.-()[]{}~|^'\"“”…", max_size=300),
    url=st.none() | st.just(URL),
)
def test_any_procedure_name_keeps_one_segment(case: tuple[str, str | None], procedure: str, url: str | None) -> None:
    event, reason = case
    text = render(event, reason, procedure_name=procedure, tracking_url=url, unaccented=True)
    assert is_ascii_gsm7(text)
    assert gsm7_length(text) <= SMS_GSM7_LIMIT, text
    assert TRACKING_NO in text


def test_the_time_is_shown_in_vietnam() -> None:
    assert "lúc 14:30 ngày 05/03" in render("picked_up", None)
    late_evening_utc = datetime(2025, 3, 5, 20, 0, tzinfo=UTC)  # 03:00 the next day in Vietnam
    assert "lúc 03:00 ngày 06/03" in render("delivered", None, at=late_evening_utc)
    assert "trong ngày 06/03" in render("out_for_delivery", None, at=late_evening_utc)


def test_a_long_procedure_name_is_shortened_on_a_word_when_unaccented() -> None:
    text = render("pickup_failed", "not_home", procedure_name=LONG_PROCEDURE, unaccented=True)
    assert "(Cap ban sao" in text and "...)" in text
    assert gsm7_length(text) <= SMS_GSM7_LIMIT
    assert LONG_PROCEDURE in render("pickup_failed", "not_home", procedure_name=LONG_PROCEDURE)


def test_a_failed_pickup_says_why_and_what_next() -> None:
    text = render("pickup_failed", "not_home")
    assert text == (
        "Chưa nhận được hồ sơ RR123456785VN (Đăng ký khai sinh) lúc 14:30 ngày 05/03 "
        "do không có người ở nhà. Bưu tá sẽ quay lại chuyến sau."
    )


def test_a_failed_delivery_with_another_next_step() -> None:
    text = render("delivery_failed", "not_home", next_step="hold_at_post_office")
    assert text.endswith("do không có người ở nhà. Mời nhận tại bưu điện xã.")


def test_render_refuses_what_it_cannot_say() -> None:
    with pytest.raises(ValueError, match="no SMS"):
        render("arrived_post_office", None)
    with pytest.raises(ValueError, match="reason"):
        render("delivery_failed", None)
    with pytest.raises(ValueError, match="reason"):
        render("pickup_failed", "lost")
    with pytest.raises(ValueError, match="next step"):
        render("pickup_failed", "other", next_step="shrug")
    with pytest.raises(ValueError, match="naive"):
        render("picked_up", None, at=datetime(2025, 3, 5, 14, 30))


# --- unaccent ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Đăng ký khai sinh", "Dang ky khai sinh"),
        ("Nguyễn Thị Hằng", "Nguyen Thi Hang"),
        ("ĐẶNG VĂN ĐỨC", "DANG VAN DUC"),
        ("Phước Lăng, Phước Trung", "Phuoc Lang, Phuoc Trung"),
        ("Bưu điện văn hóa xã", "Buu dien van hoa xa"),
        ("Nguye\u0302\u0303n", "Nguyen"),  # decomposed input
        ("Ðinh", "Dinh"),  # U+00D0 typed for Đ
    ],
)
def test_unaccent(text: str, expected: str) -> None:
    assert unaccent(text) == expected


@given(st.text(alphabet=VIETNAMESE_LETTERS + " 0123456789.,:/()-"))
def test_unaccented_vietnamese_is_ascii(text: str) -> None:
    assert unaccent(text).isascii()
    assert len(unaccent(text)) == len(text)


@given(st.text())
def test_to_gsm7_always_gives_gsm7_ascii(text: str) -> None:
    assert is_ascii_gsm7(to_gsm7(text))


def test_to_gsm7_keeps_the_meaning_of_typographic_punctuation() -> None:
    assert to_gsm7("“Giấy khai sinh” – bản sao…") == '"Giay khai sinh" - ban sao...'
    assert gsm7_length("a[b]") == 6


# --- HTTP gateway -----------------------------------------------------------------------------


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=2.0) as client:
        yield client


def gateway(client: httpx.Client, url: str, **options: object) -> HttpGatewayProvider:
    config: dict = {
        "url": url + "/v1/sms",
        "auth_header": "X-Api-Key",
        "auth_value": "s3cret-key",
        "phone_field": "msisdn",
        "text_field": "message",
        "sender_field": "brandname",
        "sender": "BUUDIEN",
        "message_id_field": "data.messages.0.id",
    }
    config.update(options)
    return HttpGatewayProvider(client, **config)


def accepted(_: object) -> Reply:
    return Reply(200, {"data": {"messages": [{"id": "gw-123", "status": "queued"}]}})


def test_the_gateway_receives_the_configured_fields(client: httpx.Client) -> None:
    text = render("delivered", None, tracking_url=URL)
    with serve(accepted) as server:
        result = gateway(client, server.url).send(PHONE, text)
    assert result.ok
    assert result.provider_message_id == "gw-123"
    assert result.error is None
    request = server.requests[0]
    assert request.method == "POST"
    assert request.path == "/v1/sms"
    assert request.headers["x-api-key"] == "s3cret-key"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {"msisdn": PHONE, "message": text, "brandname": "BUUDIEN"}
    assert "Cảm ơn ông/bà".encode() in request.body


def test_the_gateway_can_take_digits_and_extra_fields(client: httpx.Client) -> None:
    with serve(lambda _: Reply(200, {"id": 7})) as server:
        provider = gateway(
            client,
            server.url,
            phone_format="digits",
            message_id_field="id",
            sender=None,
            method="PUT",
            extra_fields={"type": 2},
        )
        result = provider.send(PHONE, "Xin chao")
    assert result.ok and result.provider_message_id == "7"
    assert server.requests[0].method == "PUT"
    assert server.requests[0].json() == {"type": 2, "msisdn": "84912345678", "message": "Xin chao"}


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429, 408])
def test_a_gateway_failure_is_retryable(client: httpx.Client, status: int) -> None:
    with serve(lambda _: Reply(status, {"error": "busy"})) as server:
        result = gateway(client, server.url).send(PHONE, "Xin chao")
    assert not result.ok
    assert result.retryable
    assert result.error == f"http_{status}"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 302])
def test_a_refused_request_is_not_retryable(client: httpx.Client, status: int) -> None:
    with serve(lambda _: Reply(status, headers={"Location": "/elsewhere"})) as server:
        result = gateway(client, server.url).send(PHONE, "Xin chao")
    assert not result.ok
    assert not result.retryable
    assert result.error == f"http_{status}"
    assert server.hits == 1


def test_a_200_carrying_an_error_code_is_not_accepted(client: httpx.Client) -> None:
    with serve(lambda _: Reply(200, {"CodeResult": "104", "SMSID": None})) as server:
        provider = gateway(
            client,
            server.url,
            success_field="CodeResult",
            success_values=("100",),
            message_id_field="SMSID",
        )
        result = provider.send(PHONE, "Xin chao")
    assert not result.ok and not result.retryable
    assert result.error == "rejected:104"


def test_a_200_with_the_success_code_is_accepted(client: httpx.Client) -> None:
    with serve(lambda _: Reply(200, {"CodeResult": 100, "SMSID": "abc"})) as server:
        provider = gateway(
            client, server.url, success_field="CodeResult", success_values=("100",), message_id_field="SMSID"
        )
        result = provider.send(PHONE, "Xin chao")
    assert result.ok and result.provider_message_id == "abc"


def test_a_200_without_json_is_accepted_without_an_id(client: httpx.Client) -> None:
    with serve(lambda _: Reply(200, "OK")) as server:
        result = gateway(client, server.url).send(PHONE, "Xin chao")
    assert result.ok and result.provider_message_id is None


def test_a_slow_gateway_times_out_as_retryable() -> None:
    with httpx.Client(timeout=0.2) as client, serve(lambda _: Reply(200, delay=5.0)) as server:
        started = time.monotonic()
        result = gateway(client, server.url).send(PHONE, "Xin chao")
    assert time.monotonic() - started < 2.0
    assert not result.ok and result.retryable and result.error == "timeout"


def test_a_gateway_that_is_down_is_retryable(client: httpx.Client) -> None:
    result = gateway(client, unused_url()).send(PHONE, "Xin chao")
    assert not result.ok and result.retryable and result.error == "connect_error"


@pytest.mark.parametrize("phone", ["0912345678", "84912345678", "+84 912 345 678", ""])
def test_a_phone_not_in_e164_is_not_sent(client: httpx.Client, phone: str) -> None:
    with serve(accepted) as server:
        result = gateway(client, server.url).send(phone, "Xin chao")
    assert not result.ok and not result.retryable and result.error == "invalid_phone"
    assert server.hits == 0


def test_gateway_logs_carry_no_personal_data(client: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    text = render("delivery_failed", "moved")
    with caplog.at_level(logging.DEBUG), serve(lambda _: Reply(503)) as server:
        gateway(client, server.url).send(PHONE, text)
    assert caplog.records
    assert_no_personal_data(caplog.text, text)
    assert "s3cret-key" not in caplog.text


# --- log provider -----------------------------------------------------------------------------


def assert_no_personal_data(logged: str, text: str) -> None:
    for form in (PHONE, "0912345678", "84912345678", "912345678", "5678"):
        assert form not in logged
    assert text not in logged
    assert TRACKING_NO not in logged


def test_the_log_provider_logs_neither_the_phone_nor_the_text(caplog: pytest.LogCaptureFixture) -> None:
    provider = LogProvider()
    text = render("picked_up", None, tracking_url=URL)
    with caplog.at_level(logging.DEBUG):
        result = provider.send(PHONE, text)
    assert result.ok and result.logged and result.provider_message_id
    assert len(caplog.records) == 1
    assert "logged, not sent" in caplog.text
    assert mask_phone(PHONE) not in caplog.text and PHONE[-4:] not in caplog.text
    assert_no_personal_data(caplog.text, text)
    # It keeps what would have gone out, without the phone number, and only the last few.
    assert [(m.message_id, m.text) for m in provider.recent] == [(result.provider_message_id, text)]
    assert not any(PHONE in repr(value) or PHONE[-4:] in repr(value) for value in vars(provider).values())
    for _ in range(150):
        provider.send(PHONE, text)
    assert len(provider.recent) == 100


def test_the_log_provider_refuses_a_phone_not_in_e164(caplog: pytest.LogCaptureFixture) -> None:
    provider = LogProvider()
    with caplog.at_level(logging.DEBUG):
        result = provider.send("0912345678", "Xin chao")
    assert not result.ok and result.error == "invalid_phone"
    assert list(provider.recent) == []
    assert "0912345678" not in caplog.text


def test_mask_phone() -> None:
    assert mask_phone(PHONE) == "+84*******78"
    assert mask_phone("123") == "***"


# --- settings ---------------------------------------------------------------------------------


def test_the_default_provider_only_logs() -> None:
    config = SmsSettings()
    assert config.unaccented
    assert isinstance(make_provider(config), LogProvider)


def test_make_provider_builds_the_gateway_on_the_injected_client(client: httpx.Client) -> None:
    with serve(accepted) as server:
        config = SmsSettings(
            provider="http",
            url=server.url + "/v1/sms",
            auth_header="Authorization",
            auth_value="Bearer t0ken",
            message_id_field="data.messages.0.id",
        )
        provider = make_provider(config, client)
        result = provider.send(PHONE, "Xin chao")
        provider.close()
    assert result.ok and result.provider_message_id == "gw-123"
    assert server.requests[0].headers["authorization"] == "Bearer t0ken"
    assert server.requests[0].json() == {"to": PHONE, "text": "Xin chao"}
    assert not client.is_closed  # injected: the caller closes it


def test_make_provider_without_a_client_owns_one() -> None:
    with serve(accepted) as server:
        provider = make_provider(SmsSettings(provider="http", url=server.url))
        assert provider.send(PHONE, "Xin chao").ok
        provider.close()
        with pytest.raises(RuntimeError, match="closed"):  # its client went with it
            provider.send(PHONE, "Xin chao")


def test_settings_validate_and_hide_the_secret() -> None:
    config = SmsSettings(provider="http", url="https://sms.example/send", auth_header="X", auth_value="k3y")
    assert "k3y" not in repr(config)
    with pytest.raises(ValueError):
        SmsSettings(provider="http")
    with pytest.raises(ValueError):
        SmsSettings(provider="carrier-pigeon")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        SmsSettings(provider="http", url="https://sms.example/send", auth_header="X")
    with pytest.raises(ValueError):
        SmsSettings(provider="http", url="https://sms.example/send", success_field="code")


def test_a_failed_delivery_says_the_day_of_the_next_attempt() -> None:
    text = render("delivery_failed", "not_home", next_attempt_on=date(2025, 3, 7))
    assert text.endswith("do không có người ở nhà. Bưu tá sẽ phát lại ngày 07/03.")
    assert "phát lại từ ngày 07/03." in render("delivery_failed", "not_ready", next_attempt_on=date(2025, 3, 7))
    # A step that is not a new visit keeps its own words.
    assert render("delivery_failed", "moved", next_attempt_on=date(2025, 3, 7)).endswith("Mời nhận tại bưu điện xã.")


@pytest.mark.parametrize("reason", sorted(REASON_NEXT_STEP))
@pytest.mark.parametrize("procedure", [SHORT_PROCEDURE, LONG_PROCEDURE])
def test_the_next_attempt_keeps_one_segment_unaccented(reason: str, procedure: str) -> None:
    text = render("delivery_failed", reason, procedure_name=procedure, tracking_url=URL, unaccented=True,
                  next_attempt_on=date(2025, 3, 7))  # fmt: skip
    assert gsm7_length(text) <= SMS_GSM7_LIMIT, text
    assert URL in text
    if REASON_NEXT_STEP[reason] == "retry_next_round":
        assert "07/03" in text  # it fits in the one segment
