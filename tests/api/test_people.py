"""People and groups over real HTTP, on SQLite and PostgreSQL: CRUD, search, group filter,
pagination, consent, roles and the audit trail. No faces are needed here."""

from __future__ import annotations

from typing import Any

import pytest

from muster.domain.people import Role

from .knn_gallery import add_kiosk
from .live_server import LiveServer
from .roster import CONSENT, create_person


def names(page: dict[str, Any]) -> list[str]:
    return [item["name"] for item in page["items"]]


def test_an_admin_creates_reads_and_updates_a_person(live_server: LiveServer) -> None:
    group = live_server.admin.post("/groups", json={"name": "Class 4B", "kind": "class"}).json()
    created = create_person(
        live_server.admin,
        "Ada Lovelace",
        external_id="S-1815",
        email="ada@example.org",
        group_ids=[group["id"]],
    )

    read = live_server.admin.get(f"/people/{created['id']}").json()
    assert read == created
    assert read["group_ids"] == [group["id"]]
    assert read["consent"]["method"] == CONSENT["method"]

    changed = live_server.admin.patch(
        f"/people/{created['id']}", json={"name": "Ada King", "email": None, "group_ids": []}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Ada King"
    assert changed.json()["email"] is None
    assert changed.json()["group_ids"] == []
    assert changed.json()["external_id"] == "S-1815"  # not sent, so kept


def test_search_matches_part_of_a_name_or_an_external_id_in_any_case(
    live_server: LiveServer,
) -> None:
    create_person(live_server.admin, "Grace Hopper", external_id="NAVY-1906")
    create_person(live_server.admin, "Alan Turing", external_id="KCL-1912")
    create_person(live_server.admin, "Margaret Hamilton", external_id="MIT-1936")

    assert names(live_server.admin.get("/people", params={"q": "HOP"}).json()) == ["Grace Hopper"]
    assert names(live_server.admin.get("/people", params={"q": "kcl"}).json()) == ["Alan Turing"]
    assert names(live_server.admin.get("/people", params={"q": "R"}).json()) == [
        "Alan Turing",
        "Grace Hopper",
        "Margaret Hamilton",
    ]
    assert names(live_server.admin.get("/people", params={"q": "ton"}).json()) == [
        "Margaret Hamilton"
    ]
    # LIKE wildcards are searched for literally.
    assert live_server.admin.get("/people", params={"q": "%"}).json()["total"] == 0


def test_people_are_filtered_by_group(live_server: LiveServer) -> None:
    class_a = live_server.admin.post("/groups", json={"name": "A"}).json()["id"]
    class_b = live_server.admin.post("/groups", json={"name": "B"}).json()["id"]
    create_person(live_server.admin, "In A", group_ids=[class_a])
    create_person(live_server.admin, "In both", group_ids=[class_a, class_b])
    create_person(live_server.admin, "In none")

    in_a = live_server.admin.get("/people", params={"group_id": class_a}).json()
    in_b = live_server.admin.get("/people", params={"group_id": class_b}).json()

    assert names(in_a) == ["In A", "In both"]
    assert names(in_b) == ["In both"]
    assert in_b["total"] == 1


def test_pages_follow_name_order_and_report_the_total(live_server: LiveServer) -> None:
    for name in ["Eve", "Bob", "Dan", "Amy", "Cat"]:
        create_person(live_server.admin, name, consent=False)

    first = live_server.admin.get("/people", params={"limit": 2}).json()
    second = live_server.admin.get("/people", params={"limit": 2, "offset": 2}).json()
    last = live_server.admin.get("/people", params={"limit": 2, "offset": 4}).json()
    beyond = live_server.admin.get("/people", params={"limit": 2, "offset": 10}).json()

    assert (names(first), names(second), names(last)) == (["Amy", "Bob"], ["Cat", "Dan"], ["Eve"])
    assert {first["total"], second["total"], last["total"], beyond["total"]} == {5}
    assert (first["limit"], second["offset"]) == (2, 2)
    assert beyond["items"] == []


def test_inactive_people_can_be_listed_apart(live_server: LiveServer) -> None:
    create_person(live_server.admin, "Here")
    create_person(live_server.admin, "Gone", active=False)

    assert names(live_server.admin.get("/people", params={"active": "false"}).json()) == ["Gone"]
    assert names(live_server.admin.get("/people", params={"active": "true"}).json()) == ["Here"]


def test_a_taken_external_id_is_a_conflict(live_server: LiveServer) -> None:
    create_person(live_server.admin, "First", external_id="E-1")

    response = live_server.admin.post("/people", json={"name": "Second", "external_id": "E-1"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "body.name"),
        ({"name": "   "}, "body.name"),
        ({"name": "x", "email": "not an email"}, "body.email"),
        ({"name": "x", "group_ids": [1, 1]}, "body.group_ids"),
        ({"name": "x", "nickname": "y"}, "body.nickname"),
        ({"name": "x", "consent": {"method": "form", "given_at": "2025-01-01T09:00"}}, "given_at"),
    ],
)
def test_malformed_people_are_refused_with_the_field_named(
    live_server: LiveServer, body: dict[str, Any], field: str
) -> None:
    response = live_server.admin.post("/people", json=body)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert any(field in detail["field"] for detail in error["details"]), error


def test_unknown_people_and_groups_are_404s_and_absurd_paging_is_422(
    live_server: LiveServer,
) -> None:
    no_group = live_server.admin.post("/people", json={"name": "x", "group_ids": [999]})

    assert live_server.admin.get("/people/999").status_code == 404
    assert no_group.status_code == 404
    assert no_group.json()["error"]["code"] == "not_found"
    assert live_server.admin.get("/people", params={"limit": 0}).status_code == 422
    assert live_server.admin.get("/people", params={"offset": -1}).status_code == 422
    assert live_server.admin.get("/people/0").status_code == 422
    not_json = live_server.admin.post(
        "/people", content=b"{", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 422


def test_a_device_key_cannot_list_or_read_people(live_server: LiveServer) -> None:
    person = create_person(live_server.admin, "Someone")
    kiosk = add_kiosk(live_server)

    with live_server.client(kiosk.token) as device:
        listing = device.get("/people")
        reading = device.get(f"/people/{person['id']}")
        groups = device.get("/groups")

    assert (listing.status_code, reading.status_code, groups.status_code) == (403, 403, 403)
    assert listing.json()["error"]["code"] == "forbidden"


def test_without_a_key_people_are_not_listed(live_server: LiveServer) -> None:
    with live_server.client() as anonymous:
        assert anonymous.get("/people").status_code == 401


def test_an_operator_reads_and_records_consent_but_only_an_admin_changes_the_roster(
    live_server: LiveServer,
) -> None:
    person = create_person(live_server.admin, "Pupil", consent=False)
    with live_server.client(live_server.token(Role.OPERATOR, name="front desk")) as operator:
        assert operator.get("/people").status_code == 200
        assert operator.get(f"/people/{person['id']}").status_code == 200
        consent = operator.put(f"/people/{person['id']}/consent", json={"method": "kiosk form"})
        created = operator.post("/people", json={"name": "New"})
        patched = operator.patch(f"/people/{person['id']}", json={"name": "Renamed"})
        erased = operator.delete(f"/people/{person['id']}")
        group = operator.post("/groups", json={"name": "G"})

    assert consent.status_code == 200, consent.text
    assert consent.json()["consent"]["method"] == "kiosk form"
    assert consent.json()["consent"]["recorded_by"].endswith(":front desk")
    assert [r.status_code for r in (created, patched, erased, group)] == [403, 403, 403, 403]
    assert live_server.admin.get(f"/people/{person['id']}").json()["name"] == "Pupil"


def test_consent_records_who_when_and_how_and_can_be_withdrawn(live_server: LiveServer) -> None:
    person = create_person(live_server.admin, "Pupil", consent=False)
    assert person["consent"] is None

    given = live_server.admin.put(
        f"/people/{person['id']}/consent",
        json={"method": "paper form", "note": "box 3", "given_at": "2025-09-01T08:30:00+02:00"},
    ).json()["consent"]
    withdrawn = live_server.admin.delete(f"/people/{person['id']}/consent")

    assert given["given_at"] in {"2025-09-01T06:30:00Z", "2025-09-01T06:30:00+00:00"}
    assert (given["method"], given["note"]) == ("paper form", "box 3")
    assert given["recorded_by"].startswith("key:")
    assert withdrawn.status_code == 200
    assert withdrawn.json()["person"]["consent"] is None
    assert withdrawn.json()["templates_deleted"] == 0


def test_groups_are_created_renamed_listed_and_deleted_but_their_people_stay(
    live_server: LiveServer,
) -> None:
    group = live_server.admin.post("/groups", json={"name": "Team", "kind": "team"})
    assert group.status_code == 201
    group_id = group.json()["id"]
    person = create_person(live_server.admin, "Member", group_ids=[group_id])

    renamed = live_server.admin.patch(f"/groups/{group_id}", json={"name": "Red team"})
    duplicate = live_server.admin.post("/groups", json={"name": "Red team"})
    listed = live_server.admin.get("/groups").json()
    deleted = live_server.admin.delete(f"/groups/{group_id}")

    assert renamed.json() == {"id": group_id, "name": "Red team", "kind": "team"}
    assert duplicate.status_code == 409
    assert listed == [renamed.json()]
    assert deleted.status_code == 204
    assert live_server.admin.get(f"/groups/{group_id}").status_code == 404
    assert live_server.admin.get(f"/people/{person['id']}").json()["group_ids"] == []


def test_every_roster_change_is_audited_with_its_actor_and_no_personal_data(
    live_server: LiveServer,
) -> None:
    group = live_server.admin.post("/groups", json={"name": "Audited"}).json()
    person = create_person(live_server.admin, "Private Name", email="private@example.org")
    live_server.admin.patch(f"/people/{person['id']}", json={"active": False})
    live_server.admin.put(f"/people/{person['id']}/consent", json={"method": "email"})

    entries = live_server.services.audit.recent(limit=20)
    actions = {(e.action, e.target_type, e.target_id) for e in entries}

    assert {
        ("group.created", "group", group["id"]),
        ("person.created", "person", person["id"]),
        ("person.updated", "person", person["id"]),
        ("consent.recorded", "person", person["id"]),
    } <= actions
    assert all(e.actor.startswith("key:") for e in entries)
    assert "Private Name" not in repr([e.detail for e in entries])
    assert "private@example.org" not in repr([e.detail for e in entries])
