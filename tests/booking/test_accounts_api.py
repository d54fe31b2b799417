"""Companies, users and API tokens through the API: staff manage them, anyone manages their own tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.models import ApiToken, Organisation, User


@pytest.fixture
def admin(make_user):
    return make_user("admin", org=None)


def users_count() -> int:
    return len(db.session.scalars(select(User.id)).all())


# --- organisations ------------------------------------------------------------------------


def test_staff_add_a_company(client, auth, staff):
    response = client.post(
        "/api/v1/organisations", json={"slug": "provence-robotics", "name": "Provence Robotics"}, headers=auth(staff)
    )
    assert response.status_code == 201
    assert response.json == {"slug": "provence-robotics", "name": "Provence Robotics", "share_titles": False}
    listed = client.get("/api/v1/organisations", headers=auth(staff)).json
    assert [o["slug"] for o in listed] == ["provence-robotics"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"slug": "Bad Slug!", "name": "X"}, 422, "slug"),  # not a slug
        ({"slug": "x"}, 422, "name"),  # name missing
        ({"slug": "", "name": "X"}, 422, "slug"),  # empty
        ({"slug": "acme", "name": "Again"}, 409, None),  # exists already
    ],
)
def test_bad_companies_are_refused_and_nothing_changes(client, auth, staff, make_org, body, status, field):
    make_org("acme")
    response = client.post("/api/v1/organisations", json=body, headers=auth(staff))
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    if field:
        assert field in {e["field"] for e in response.json["errors"]}
    assert db.session.scalars(select(Organisation.slug)).all() == ["acme"]


# --- users --------------------------------------------------------------------------------


def test_staff_add_a_customer_to_a_company(client, auth, staff, make_org):
    make_org("acme")
    response = client.post(
        "/api/v1/users",
        json={"email": "New@Acme.example", "name": "New", "organisation": "acme", "password": "long enough pw"},
        headers=auth(staff),
    )
    assert response.status_code == 201
    assert response.json == {
        "id": response.json["id"], "email": "new@acme.example", "name": "New", "role": "customer",
        "organisation": "acme",
    }  # fmt: skip
    assert "password" not in response.get_data(as_text=True)
    stored = db.session.get(User, response.json["id"]).password_hash
    assert stored and "long enough pw" not in stored


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_only_admins_add_staff(client, auth, staff, admin, role):
    body = {"email": f"new-{role}@onexperience.example", "role": role}
    refused = client.post("/api/v1/users", json=body, headers=auth(staff))
    assert refused.status_code == 403
    assert users_count() == 2
    accepted = client.post("/api/v1/users", json=body, headers=auth(admin))
    assert accepted.status_code == 201 and accepted.json["role"] == role


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"email": "x@acme.example"}, 422, "organisation"),  # a customer belongs to a company
        ({"email": "x@acme.example", "organisation": "nowhere"}, 422, "organisation"),  # unknown company
        ({"email": "not-an-email", "organisation": "acme"}, 422, "email"),
        ({"email": "x@acme.example", "organisation": "acme", "role": "boss"}, 422, "role"),
        ({"email": "x@acme.example", "organisation": "acme", "password": "short"}, 422, "password"),
        ({"email": "taken@acme.example", "organisation": "acme"}, 409, None),  # the same email twice
    ],
)
def test_bad_users_are_refused_and_nothing_changes(client, auth, staff, make_user, body, status, field):
    make_user("customer", org="acme", email="taken@acme.example")
    before = users_count()
    response = client.post("/api/v1/users", json=body, headers=auth(staff))
    assert response.status_code == status, response.json
    if field:
        assert field in {e["field"] for e in response.json["errors"]}
    assert users_count() == before


def test_me_says_who_the_token_belongs_to(client, auth, customer):
    me = client.get("/api/v1/me", headers=auth(customer)).json
    assert me == {"id": customer.id, "email": customer.email, "name": "", "role": "customer", "organisation": "acme"}


# --- tokens -------------------------------------------------------------------------------


def new_token(client, headers, user_id: int, name: str = "ci"):
    return client.post(f"/api/v1/users/{user_id}/tokens", json={"name": name}, headers=headers)


def test_a_new_token_is_shown_once_and_works(client, auth, customer):
    headers = auth(customer)
    created = new_token(client, headers, customer.id)
    assert created.status_code == 201
    token = created.json["token"]
    assert token.startswith("onx_")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    listed = client.get(f"/api/v1/users/{customer.id}/tokens", headers=headers)
    assert listed.status_code == 200
    assert {t["name"] for t in listed.json} == {"", "ci"}
    assert all("token" not in t for t in listed.json)
    assert token not in listed.get_data(as_text=True)


def test_only_a_hash_of_the_token_is_stored(client, auth, customer):
    token = new_token(client, auth(customer), customer.id).json["token"]
    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored and all(len(h) == 64 for h in stored)


def test_revoking_a_token_stops_it_at_once(client, auth, customer):
    headers = auth(customer)
    created = new_token(client, headers, customer.id).json
    other = {"Authorization": f"Bearer {created['token']}"}

    assert client.delete(f"/api/v1/tokens/{created['id']}", headers=headers).status_code == 204

    assert client.get("/api/v1/me", headers=other).status_code == 401
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # the other token still works
    listed = client.get(f"/api/v1/users/{customer.id}/tokens", headers=headers).json
    assert next(t for t in listed if t["id"] == created["id"])["revoked_at"] is not None


def test_a_customer_cannot_touch_a_colleagues_tokens(client, auth, customer, make_user):
    colleague = make_user("customer", org="acme")
    colleague_token = new_token(client, auth(colleague), colleague.id).json
    headers = auth(customer)
    assert new_token(client, headers, colleague.id).status_code == 404
    assert client.get(f"/api/v1/users/{colleague.id}/tokens", headers=headers).status_code == 404
    assert client.delete(f"/api/v1/tokens/{colleague_token['id']}", headers=headers).status_code == 404
    assert db.session.get(ApiToken, colleague_token["id"]).revoked_at is None


def test_staff_create_and_revoke_tokens_for_customers(client, auth, staff, customer):
    headers = auth(staff)
    created = new_token(client, headers, customer.id, name="integration")
    assert created.status_code == 201
    token = {"Authorization": f"Bearer {created.json['token']}"}
    assert client.get("/api/v1/me", headers=token).json["email"] == customer.email
    assert client.delete(f"/api/v1/tokens/{created.json['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=token).status_code == 401


def test_staff_cannot_mint_tokens_for_an_admin(client, auth, staff, admin):
    response = new_token(client, auth(staff), admin.id)
    assert response.status_code == 403
    assert db.session.scalars(select(ApiToken).where(ApiToken.user_id == admin.id)).all() == []


def test_staff_cannot_revoke_an_admins_token_either(client, auth, staff, admin):
    admin_headers = auth(admin)
    created = new_token(client, admin_headers, admin.id).json
    response = client.delete(f"/api/v1/tokens/{created['id']}", headers=auth(staff))
    assert response.status_code == 403
    assert db.session.get(ApiToken, created["id"]).revoked_at is None
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {created['token']}"}).status_code == 200


def test_an_admin_revokes_another_admins_token(client, auth, admin, make_user):
    other_admin = make_user("admin", org=None)
    created = new_token(client, auth(other_admin), other_admin.id).json
    assert client.delete(f"/api/v1/tokens/{created['id']}", headers=auth(admin)).status_code == 204


def test_a_token_of_an_unknown_user_is_a_404(client, auth, staff):
    assert new_token(client, auth(staff), 999_999).status_code == 404
    assert client.delete("/api/v1/tokens/999999", headers=auth(staff)).status_code == 404


def test_a_deactivated_users_tokens_stop_working(client, auth, customer):
    headers = auth(customer)
    customer.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401
