"""Small hardening items: decompression bombs are a 422, the domain HTTP check refuses every
non-global address (100.64.0.0/10 too), one-time links compare in constant time."""

from __future__ import annotations

import inspect
import io

import pytest
from PIL import Image

from argus.branding.assets import check_image
from argus.branding.domains import DomainChecker, DomainCheckFailed
from argus.platform.core.errors import Invalid
from argus.platform.core.settings import DomainSettings


def test_a_decompression_bomb_logo_is_a_422_not_a_500():
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")  # ~400 Mpx in a few tens of kB
    assert len(out.getvalue()) < 1024 * 1024
    with pytest.raises(Invalid) as refused:
        check_image(out.getvalue())
    assert refused.value.field == "file"


def test_an_oversized_logo_is_refused_with_its_size():
    out = io.BytesIO()
    Image.new("RGB", (5000, 10)).save(out, "PNG")
    with pytest.raises(Invalid, match="5000x10"):
        check_image(out.getvalue())


@pytest.mark.parametrize("address", ["100.64.0.1", "127.0.0.1", "10.0.0.1", "169.254.169.254",
                                     "192.0.2.1", "0.0.0.0", "224.0.0.5"])
async def test_the_domain_http_check_never_fetches_a_non_global_address(address):
    checker = DomainChecker(DomainSettings())

    class Answer:
        def __init__(self, addr):
            self.address = addr

    async def resolve(domain, kind):
        return [Answer(address)]

    checker.resolver.resolve = resolve
    with pytest.raises(DomainCheckFailed, match="non-public"):
        await checker.address("cams.example.com")


def test_one_time_links_are_compared_in_constant_time():
    from argus.platform.identity import auth

    source = inspect.getsource(auth.AuthService)
    assert "secret_hash !=" not in source and "same_digest(row.secret_hash" in source
