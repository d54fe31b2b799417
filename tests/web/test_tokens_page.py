"""My account's API tokens: created and shown once, working at once, revoked for good; feeds one link away."""

from __future__ import annotations

import re

from booking.services import accounts


def new_token(page: str) -> str:
    return re.search(r'id="new-token" type="text" readonly value="([^"]+)"', page).group(1)


def test_a_token_is_shown_once_and_works_with_the_api(client, sign_in, customer, post_form):
    sign_in(customer)
    page = post_form("/account/tokens/", "/account/tokens/", name="Intranet").get_data(as_text=True)
    token = new_token(page)
    assert "affiché une seule fois" in page
    assert client.get("/api/v1/bookings", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    again = client.get("/account/tokens/").get_data(as_text=True)
    assert "Intranet" in again and token not in again  # only its hash is kept


def test_a_revoked_token_is_refused(client, sign_in, customer, post_form):
    token, record = accounts.create_token(customer, name="Vieux script")
    sign_in(customer)
    post_form("/account/tokens/", f"/account/tokens/{record.id}/revoke")
    assert client.get("/api/v1/bookings", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert "Vieux script" not in client.get("/account/tokens/").get_data(as_text=True)


def test_nobody_revokes_another_persons_token(client, sign_in, customer, make_user, post_form):
    token, record = accounts.create_token(make_user("customer", org="rival"), name="Leur script")
    sign_in(customer)
    assert post_form("/account/tokens/", f"/account/tokens/{record.id}/revoke").status_code == 404
    assert client.get("/api/v1/bookings", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_the_account_page_leads_to_tokens_and_feeds(client, sign_in, customer):
    sign_in(customer, lang="en")
    page = client.get("/account/").get_data(as_text=True)
    assert 'href="/account/tokens/"' in page and 'href="/feeds"' in page
    assert "Manage my calendar feeds" in client.get("/account/tokens/").get_data(as_text=True)
