"""The webhook signature scheme and retry schedule (muster.services.webhooks). Pure."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from muster.config import WebhookSettings
from muster.services.webhooks import retry_delay_s, sign, verify_signature

SECRET = "s3cret-s3cret-s3cret"
BODY = b'{"event":"attendance.created","id":1}'
T = 1_700_000_000


def test_the_signature_is_an_hmac_of_timestamp_dot_body() -> None:
    header = sign(SECRET, BODY, T)

    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={T},v1={expected}"


def test_a_receiver_accepts_a_fresh_untouched_delivery() -> None:
    assert verify_signature(SECRET, sign(SECRET, BODY, T), BODY, now_s=T + 10)


@pytest.mark.parametrize(
    ("header", "body", "now_s"),
    [
        pytest.param(sign(SECRET, BODY, T), BODY + b" ", T, id="body-changed"),
        pytest.param(sign("another secret", BODY, T), BODY, T, id="other-secret"),
        pytest.param(sign(SECRET, BODY, T), BODY, T + 301, id="replayed-later"),
        pytest.param(f"t={T}", BODY, T, id="no-v1"),
        pytest.param("v1=abc", BODY, T, id="no-timestamp"),
        pytest.param("t=soon,v1=abc", BODY, T, id="bad-timestamp"),
        pytest.param("", BODY, T, id="empty"),
    ],
)
def test_a_receiver_rejects_anything_else(header: str, body: bytes, now_s: float) -> None:
    assert not verify_signature(SECRET, header, body, now_s=now_s)


@pytest.mark.parametrize("jitter", [0.0, 0.999])
def test_retries_back_off_exponentially_up_to_the_cap_then_stop(jitter: float) -> None:
    settings = WebhookSettings(max_attempts=6, backoff_initial_s=10, backoff_max_s=50)
    stretch = 1 + 0.25 * jitter

    delays = [retry_delay_s(attempts, settings, jitter=jitter) for attempts in range(1, 7)]

    assert delays == pytest.approx([10 * stretch, 20 * stretch, 40 * stretch, 50, 50, None])
