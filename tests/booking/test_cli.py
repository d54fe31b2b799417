"""The operator's commands: `onexp users add` and `onexp tokens create`."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.models import Organisation, User


def user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def test_users_add_creates_the_company_when_it_is_new(runner):
    result = runner.invoke(args=["users", "add", "Alice@NewCo.example", "--org", "newco", "--role", "customer"])

    assert result.exit_code == 0, result.output
    assert "added alice@newco.example (customer, newco)" in result.output
    alice = user("alice@newco.example")
    assert alice.role == "customer" and alice.organisation.slug == "newco"
    assert alice.organisation.name == "Newco"


def test_users_add_joins_an_existing_company(runner, make_org):
    make_org("acme", name="ACME Corp")
    assert runner.invoke(args=["users", "add", "a@acme.example", "--org", "acme"]).exit_code == 0
    assert runner.invoke(args=["users", "add", "b@acme.example", "--org", "acme"]).exit_code == 0
    assert db.session.scalars(select(Organisation).where(Organisation.slug == "acme")).all()[0].name == "ACME Corp"
    assert user("b@acme.example").organisation_id == user("a@acme.example").organisation_id


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_users_add_venue_staff_need_no_company(runner, role):
    result = runner.invoke(args=["users", "add", f"{role}@onexperience.example", "--role", role])
    assert result.exit_code == 0, result.output
    assert user(f"{role}@onexperience.example").organisation is None


def test_users_add_stores_a_hashed_password(runner):
    args = ["users", "add", "p@acme.example", "--org", "acme", "--password", "correct horse battery"]
    assert runner.invoke(args=args).exit_code == 0
    stored = user("p@acme.example").password_hash
    assert stored and "correct horse battery" not in stored


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["users", "add", "dup@acme.example", "--org", "acme"], "exists already"),  # the same email twice
        (["users", "add", "DUP@acme.example", "--org", "acme"], "exists already"),  # emails ignore case
        (["users", "add", "nobody@acme.example"], "organisation"),  # a customer without a company
        (["users", "add", "not-an-email", "--org", "acme"], "not an email address"),
        (["users", "add", "x@acme.example", "--org", "acme", "--role", "boss"], "'boss' is not one of"),
        (["users", "add", "x@acme.example", "--org", "acme", "--password", "short"], "at least 10"),
    ],
)
def test_users_add_refuses_clearly(runner, args, words):
    assert runner.invoke(args=["users", "add", "dup@acme.example", "--org", "acme"]).exit_code == 0
    before = db.session.scalars(select(User.email)).all()

    result = runner.invoke(args=args)

    assert result.exit_code != 0
    assert words in result.output
    assert "Traceback" not in result.output
    assert db.session.scalars(select(User.email)).all() == before


def test_tokens_create_prints_the_token_alone_on_its_last_line_and_it_works(runner, client, make_user):
    alice = make_user("customer", org="acme")

    result = runner.invoke(args=["tokens", "create", alice.email])

    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("onx_") and " " not in token
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json["email"] == alice.email


def test_each_token_is_new(runner, make_user):
    alice = make_user("customer", org="acme")
    first = runner.invoke(args=["tokens", "create", alice.email]).output.splitlines()[-1]
    second = runner.invoke(args=["tokens", "create", alice.email]).output.splitlines()[-1]
    assert first != second


def test_tokens_create_for_an_unknown_email_is_a_clear_error(runner):
    result = runner.invoke(args=["tokens", "create", "ghost@nowhere.example"])
    assert result.exit_code != 0
    assert "no user ghost@nowhere.example" in result.output
    assert "Traceback" not in result.output
