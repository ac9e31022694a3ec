"""Roles and permissions as data: packer ⊂ supervisor ⊂ admin, as issue 11 describes them."""

from __future__ import annotations

import pytest

from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.roles import (
    PERMISSION_TEXT,
    ROLE_PERMISSIONS,
    Account,
    Permission,
    PermissionDenied,
    Role,
    grants,
    parse_role,
)

P = Permission


def test_each_role_holds_everything_the_one_below_holds_and_more() -> None:
    packer, supervisor, admin = (ROLE_PERMISSIONS[r] for r in (Role.PACKER, Role.SUPERVISOR, Role.ADMIN))
    assert packer < supervisor < admin
    assert admin == frozenset(Permission)


def test_packers_ship_print_weigh_and_list_only() -> None:
    assert ROLE_PERMISSIONS[Role.PACKER] == {P.SHIP, P.PRINT, P.WEIGH, P.LIST}


def test_supervisors_resolve_exceptions_and_void_labels_but_do_not_administer() -> None:
    supervisor = ROLE_PERMISSIONS[Role.SUPERVISOR]
    assert {P.RESOLVE_EXCEPTIONS, P.VOID_LABELS, P.VIEW_PII} <= supervisor
    admin_only = {
        P.MANAGE_USERS,
        P.CHANGE_SETTINGS,
        P.ERASE_CUSTOMERS,
        P.EXPORT_DATA,
        P.IMPORT_CUSTOMERS,
        P.VIEW_AUDIT,
    }
    assert not admin_only & supervisor
    assert admin_only <= ROLE_PERMISSIONS[Role.ADMIN]


def test_every_permission_reads_as_an_action() -> None:
    assert set(PERMISSION_TEXT) == set(Permission)
    assert all(text and text == text.lower() for text in PERMISSION_TEXT.values())


def test_roles_parse_from_text() -> None:
    assert parse_role(" Supervisor ") is Role.SUPERVISOR
    with pytest.raises(UserError, match="'boss' is not a role: packer, supervisor, admin"):
        parse_role("boss")


def test_an_account_may_what_its_role_grants() -> None:
    ana = Account("u1", "ana", Role.PACKER)
    assert ana.may(P.SHIP) and not ana.may(P.VOID_LABELS)
    assert grants(Role.ADMIN, P.VIEW_AUDIT) and not grants(Role.SUPERVISOR, P.VIEW_AUDIT)


def test_permission_denied_is_a_user_error_with_the_contract_prefix() -> None:
    error = PermissionDenied("packer ana may not void labels", P.VOID_LABELS)
    assert isinstance(error, UserError)
    assert str(error) == "permission denied: packer ana may not void labels"
    assert error.permission is P.VOID_LABELS
