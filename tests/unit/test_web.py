"""Small pure parts of the web app: where sign-in may send a browser, what the theme holds."""

from __future__ import annotations

from dataclasses import replace

import pytest

from argus.branding.brands import PROVIDER_DEFAULT
from argus.branding.theme import theme_css
from argus.platform.web.render import local_path


@pytest.mark.parametrize("target,expected", [
    ("/", "/"), ("/cameras?q=x", "/cameras?q=x"), ("//evil.example", "/"),
    ("/\\evil.example", "/"), ("https://evil.example/", "/"), ("/a b", "/"), ("", "/"),
])
def test_sign_in_redirects_stay_on_the_host(target, expected):
    assert local_path(target) == expected


def test_the_theme_is_colour_variables_only():
    css = theme_css(PROVIDER_DEFAULT)
    assert css.startswith(":root{") and css.count("{") == 1 and css.count("}") == 1
    with pytest.raises(ValueError):  # a second lock behind the API's validation
        theme_css(replace(PROVIDER_DEFAULT, primary_color="#000;}body{display:none"))
