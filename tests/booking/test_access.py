"""The one access policy: staff, or your own organisation; a person's own account things."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from booking import access


@dataclass
class Person:
    id: int
    is_staff: bool
    organisation_id: int | None


ALICE = Person(1, False, 10)  # a company's employee
STAFF = Person(2, True, None)
STAFF_IN_A_COMPANY = Person(3, True, 10)


@pytest.mark.parametrize(
    ("actor", "organisation_id", "sees"),
    [
        (ALICE, 10, True),  # her own company's
        (ALICE, 11, False),  # another company's
        (ALICE, None, False),  # the venue's own (no company)
        (STAFF, 11, True),
        (STAFF, None, True),
        (Person(4, False, None), None, False),  # no company: "None == None" is not ownership
    ],
)
def test_staff_or_your_own_organisation_may_see(actor, organisation_id, sees):
    assert access.may_see(actor, organisation_id) is sees


def test_staff_are_limited_to_no_organisation_a_company_to_its_own():
    assert access.own_organisation(STAFF_IN_A_COMPANY) is None
    assert access.own_organisation(ALICE) == 10


def test_a_persons_account_things_are_theirs_or_staffs():
    assert access.may_manage_user(ALICE, ALICE.id)
    assert not access.may_manage_user(ALICE, STAFF.id)
    assert access.may_manage_user(STAFF, ALICE.id)


class Query:
    def __init__(self, where=()):
        self.conditions = list(where)

    def where(self, condition):
        return Query([*self.conditions, condition])


class Column:
    def __eq__(self, value):
        return ("organisation_id", value)


def test_a_query_is_narrowed_to_a_companys_rows_and_left_whole_for_staff():
    assert access.visible(Query(), Column(), ALICE).conditions == [("organisation_id", 10)]
    assert access.visible(Query(), Column(), STAFF).conditions == []
