"""Signing in and out, the language switch, CSRF on every form, and the throttle on failures."""

from __future__ import annotations

from pagekit import PASSWORD, csrf_of


def test_staff_land_on_todays_overview_after_signing_in(client, sign_in, staff):
    response = sign_in(staff)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    assert "La Coque" in client.get("/staff/").get_data(as_text=True)


def test_pages_send_strangers_to_the_login_form_and_back(client, sign_in, staff):
    response = client.get("/staff/approvals")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/staff/approvals"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    answer = client.post(
        "/login",
        data={"email": staff.email, "password": PASSWORD, "next": "/staff/approvals", "csrf_token": csrf_of(page)},
    )
    assert answer.headers["Location"] == "/staff/approvals"


def test_login_never_redirects_to_another_site(client, staff):
    page = client.get("/login").get_data(as_text=True)
    answer = client.post(
        "/login",
        data={"email": staff.email, "password": PASSWORD, "next": "//evil.example/", "csrf_token": csrf_of(page)},
    )
    assert answer.headers["Location"] == "/staff/"


def test_pages_are_french_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Se connecter" in page


def test_the_language_switch_turns_pages_english_and_is_remembered(client, sign_in, staff):
    sign_in(staff, lang="en")
    page = client.get("/staff/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Today in every site" in page
    assert staff.locale == "en"


def test_wrong_password_says_so_next_to_the_password_field_in_french(client, sign_in, staff):
    response = sign_in(staff, password="not the password")
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert 'id="password-error"' in page
    assert "Adresse e-mail ou mot de passe incorrect." in page
    assert "/staff/" not in response.headers.get("Location", "")


def test_a_form_without_its_csrf_token_is_refused(client, staff):
    response = client.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Ce formulaire a expiré" in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302  # not signed in


def test_signing_out_needs_the_csrf_token_too(client, sign_in, staff):
    sign_in(staff)
    assert client.post("/logout").status_code == 400
    assert client.get("/staff/").status_code == 200  # still signed in


def test_signing_out_ends_the_session(client, sign_in, post_form, staff):
    sign_in(staff)
    assert post_form("/staff/", "/logout").headers["Location"] == "/login"
    assert client.get("/staff/").status_code == 302


def test_repeated_failures_ask_to_wait_a_little_in_words_and_in_retry_after(app, client, sign_in, staff):
    app.config["LOGIN_BACKOFF_SECONDS"] = 50  # long enough that a slow machine still sees it running
    for _ in range(app.config["LOGIN_FREE_FAILURES"]):
        assert sign_in(staff, password="guess").status_code == 401
    response = sign_in(staff)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 50
    assert "Trop de tentatives échouées. Réessayez dans " in response.get_data(as_text=True)
    assert "secondes" in response.get_data(as_text=True)


def test_failures_for_one_person_do_not_lock_out_another(app, client, sign_in, staff, customer):
    for _ in range(app.config["LOGIN_FREE_FAILURES"]):
        sign_in(staff, password="guess")
    assert sign_in(customer).status_code == 302


def test_the_session_cookie_is_not_sent_with_other_sites_requests(sign_in, staff):
    cookie = sign_in(staff).headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie


def sign_in_then_go(client, user, target: str, page_url: str = "/login"):
    page = client.get(page_url).get_data(as_text=True)
    data = {"email": user.email, "password": PASSWORD, "next": target, "csrf_token": csrf_of(page)}
    return client.post("/login", data=data)


def test_signing_in_never_follows_a_next_that_a_browser_reads_as_another_site(client, staff):
    answer = sign_in_then_go(client, staff, "/\t/evil.example/phish")
    assert answer.headers["Location"] == "/staff/"


def test_a_next_with_a_newline_is_ignored_rather_than_a_server_error(client, staff):
    answer = sign_in_then_go(client, staff, "/\n/evil.example", page_url="/login?next=/%0A/evil.example")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/staff/"


def test_the_language_switch_never_sends_anyone_to_another_site(client):
    page = client.get("/login").get_data(as_text=True)
    for hostile in ("/\t/evil.example/phish", "/\r\n/evil.example", "//evil.example"):
        answer = client.post("/language", data={"lang": "en", "next": hostile, "csrf_token": csrf_of(page)})
        assert answer.status_code == 302
        assert answer.headers["Location"] == "/"
