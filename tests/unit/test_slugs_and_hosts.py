from __future__ import annotations

import pytest

from argus.platform.core.db import check_schema_name
from argus.platform.core.errors import Invalid
from argus.tenants.service import decode_cursor, encode_cursor
from argus.tenants.slugs import normalize_host, schema_for, validate_domain, validate_slug


@pytest.mark.parametrize("slug", ["acme", "acme-security", "a1b", "x" * 40])
def test_good_slugs(slug):
    assert validate_slug(slug) == slug
    assert check_schema_name(schema_for(slug))


@pytest.mark.parametrize("slug", ["ab", "x" * 41, "1abc", "-abc", "ab_c", "ABC", "abc-",
                                  "a--b", "www", "api", "admin", "provider", "internal", "static",
                                  "", "acme.co"])
def test_bad_slugs_name_the_field(slug):
    with pytest.raises(Invalid) as info:
        validate_slug(slug)
    assert info.value.field == "slug"


@pytest.mark.parametrize(("raw", "host"), [
    ("Acme.Localhost:8000", "acme.localhost"),
    ("acme.localhost.", "acme.localhost"),
    ("cams.acme.com.:443", "cams.acme.com"),
    ("[::1]:8000", "[::1]"),
])
def test_hosts_are_normalized(raw, host):
    assert normalize_host(raw) == host


@pytest.mark.parametrize("domain", ["localhost", "-a.com", "a..com", "exa mple.com", "1.2.3.4",
                                    "a" * 64 + ".com"])
def test_bad_domains_are_refused(domain):
    with pytest.raises(Invalid):
        validate_domain(domain)


def test_cursor_round_trip_and_garbage():
    assert decode_cursor(encode_cursor("acme-co")) == "acme-co"
    with pytest.raises(Invalid):
        decode_cursor("!!!")


def test_schema_names_are_checked_before_sql():
    for bad in ("argus_control", "argus_t_x; DROP DATABASE y", "mysql", "argus_t_"):
        with pytest.raises(ValueError):
            check_schema_name(bad)
