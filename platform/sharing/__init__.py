"""Share links: a viewer page (``/v/<token>``) and an embed (``/embed/<token>``) for one camera,
with no sign-in; the token is the credential, stored hashed, expiring and revocable."""
