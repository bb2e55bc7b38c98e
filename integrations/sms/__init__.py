"""SMS to citizens: Vietnamese templates (pure) and providers behind one small interface.

text = render_sms("picked_up", tracking_no=..., procedure_name=..., at=...,
                  tracking_url=..., unaccented=settings.unaccented)
result = make_provider(settings, client).send("+84912345678", text)
"""

from integrations.sms.providers import (
    HttpGatewayProvider,
    LoggedSms,
    LogProvider,
    SmsProvider,
    SmsResult,
    mask_phone,
)
from integrations.sms.settings import SmsSettings, make_provider
from integrations.sms.templates import (
    FAILURE_EVENTS,
    LOCAL_TZ,
    NEXT_STEP_TEXT,
    REASON_NEXT_STEP,
    REASON_TEXT,
    SMS_EVENTS,
    TEMPLATES,
    render_sms,
)
from integrations.sms.text import SMS_GSM7_LIMIT, gsm7_length, is_ascii_gsm7, to_gsm7, unaccent

__all__ = [
    "FAILURE_EVENTS",
    "LOCAL_TZ",
    "NEXT_STEP_TEXT",
    "REASON_NEXT_STEP",
    "REASON_TEXT",
    "SMS_EVENTS",
    "SMS_GSM7_LIMIT",
    "TEMPLATES",
    "HttpGatewayProvider",
    "LogProvider",
    "LoggedSms",
    "SmsProvider",
    "SmsResult",
    "SmsSettings",
    "gsm7_length",
    "is_ascii_gsm7",
    "make_provider",
    "mask_phone",
    "render_sms",
    "to_gsm7",
    "unaccent",
]
