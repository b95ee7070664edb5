"""RTSP URL masking (user-info and vendor query credentials) and the public-address rule."""

from __future__ import annotations

import pytest

from argus.platform.cameras.rtsp import (
    RtspRefused,
    check_rtsp_url,
    mask_credentials,
    mask_rtsp_url,
    pinned_rtsp_url,
)
from argus.platform.core.errors import Invalid


@pytest.mark.parametrize("url,masked", [
    ("rtsp://admin:pw1@cam.example.com/s", "rtsp://admin:***@cam.example.com/s"),
    ("rtsp://cam.example.com/s?user=admin&password=pw2&channel=1",
     "rtsp://cam.example.com/s?user=***&password=***&channel=1"),
    ("rtsp://cam.example.com/cgi?loginuse=a&pwd=pw3", "rtsp://cam.example.com/cgi?loginuse=a&pwd=***"),
    ("rtsp://cam.example.com/s", "rtsp://cam.example.com/s"),
])
def test_masked_urls_hold_no_secret(url, masked):
    assert mask_rtsp_url(url) == masked


def test_ffmpeg_error_lines_are_masked():
    line = ("[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized "
            "rtsp://u:topsecret@1.2.3.4/x?PWD=other-secret&Token=t0k")
    masked = mask_credentials(line)
    assert "topsecret" not in masked and "other-secret" not in masked and "t0k" not in masked
    assert "401 Unauthorized" in masked


@pytest.mark.parametrize("host", ["127.0.0.1", "169.254.169.254", "10.1.2.3", "192.168.1.9",
                                  "100.64.0.1", "[::1]", "[fe80::1]", "0.0.0.0", "localhost",
                                  "[::ffff:127.0.0.1]", "224.0.0.1"])
async def test_non_public_addresses_are_refused(host):
    with pytest.raises(Invalid) as refused:
        await check_rtsp_url(f"rtsp://u:p@{host}:554/s", allow_private=False)
    assert refused.value.field == "rtsp_url"
    with pytest.raises(RtspRefused):
        await pinned_rtsp_url(f"rtsp://{host}/s", allow_private=False)
    await check_rtsp_url(f"rtsp://{host}/s", allow_private=True)  # on-premises installs


async def test_public_addresses_pass_and_the_relay_gets_the_checked_address():
    await check_rtsp_url("rtsp://203.0.114.5/s", allow_private=False)
    assert await pinned_rtsp_url("rtsp://u:p@203.0.114.5:8554/s?a=1", False) == \
        "rtsp://u:p@203.0.114.5:8554/s?a=1"
