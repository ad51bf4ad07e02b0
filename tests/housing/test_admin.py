import pytest
import tablib
from django.urls import reverse

from housing import services
from housing.models import AllocationRound, Compound, HousingApplication, Offer, Place, Room, Tenancy
from housing.resources import CompoundResource, RoomResource
from tests.factories import make_employer
from tests.housing.factories import apply, let, make_applicant, make_beds, make_compound

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def caseworker(make_user):
    return make_user("cw_housing", "caseworker_housing")


@pytest.fixture
def stock():
    a, b = make_compound(), make_compound()
    make_beds(a, 1)
    make_beds(b, 1)
    return a, b


@pytest.mark.parametrize(
    "model", ["compound", "building", "room", "place", "housingapplication", "allocationround", "offer", "tenancy",
              "transferrequest", "housingsetting"],
)  # fmt: skip
def test_every_housing_list_opens_for_a_caseworker(
    client, caseworker, stock, model, django_assert_max_num_queries
):
    apply(None, stock[0])
    let(Place.objects.filter(compound=stock[1]).get())
    client.force_login(caseworker)

    with django_assert_max_num_queries(25):
        response = client.get(reverse(f"admin:housing_{model}_changelist"), **EN)

    assert response.status_code == 200


@pytest.mark.parametrize(
    "query", ["state=waiting", "points=20-39", "points=60%2B", "town=1", "current_housing=shed"]
)
def test_applications_filter_by_state_compound_town_and_points(client, caseworker, stock, query):
    shed = apply(None, stock[0], housing="shed")
    client.force_login(caseworker)

    response = client.get(f"{reverse('admin:housing_housingapplication_changelist')}?{query}", **EN)
    by_compound = client.get(
        f"{reverse('admin:housing_housingapplication_changelist')}?compound={stock[1].pk}", **EN
    )

    assert response.status_code == 200
    assert shed not in by_compound.context["cl"].result_list


def test_the_compound_filter_offers_public_compounds_and_still_filters_by_a_dormitory(
    client, caseworker, stock
):
    # given: an employer's dormitory chosen by its own worker
    dormitory = make_compound(kind="dormitory")
    make_beds(dormitory, 2, rent="0.00")
    applicant = make_applicant(employer=dormitory.owner)
    chosen = apply(applicant, dormitory)
    other = apply(None, stock[0])
    client.force_login(caseworker)
    url = reverse("admin:housing_housingapplication_changelist")
    # when
    listed = client.get(url, **EN)
    by_dormitory = client.get(f"{url}?compound={dormitory.pk}", **EN)
    # then: the sidebar lists the public compounds only; the dormitory's applications can still be listed
    offered = {str(choice["display"]) for spec in listed.context["cl"].filter_specs for choice in
               spec.choices(listed.context["cl"]) if getattr(spec, "parameter_name", "") == "compound"}  # fmt: skip
    assert str(stock[0]) in offered and str(dormitory) not in offered
    assert list(by_dormitory.context["cl"].result_list) == [chosen]
    assert other not in by_dormitory.context["cl"].result_list


def test_a_round_is_previewed_then_run_from_its_confirmation_page(
    client, caseworker, stock, django_capture_on_commit_callbacks
):
    # given two applicants for compound A's one bed
    a, _b = stock
    first = apply(None, a, housing="shed")
    second = apply(None, a)
    client.force_login(caseworker)

    # when the caseworker adds a round, they land on its preview
    response = client.post(
        reverse("admin:housing_allocationround_add"), {"name": "July", "kind": "allocation"}
    )
    round = AllocationRound.objects.get()
    assert response.url == reverse("admin:housing_allocationround_preview", args=[round.pk])
    preview = client.get(response.url, **EN)

    # then the preview says who gets what and why the other does not, and nothing is offered yet
    body = preview.content.decode()
    assert preview.status_code == 200
    assert first.resident.name in body and "full at your turn" in body
    assert f"application {first.pk}" in body
    assert not Offer.objects.exists()

    # when they confirm (the round runs on a worker once the request commits)
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(response.url, follow=True, **EN)

    # then the offer is made
    assert "The round is running" in confirmed.content.decode()
    assert Offer.objects.get().application == first
    round.refresh_from_db()
    assert round.state == "run"
    assert HousingApplication.objects.get(pk=second.pk).state == "waiting"


def test_only_housing_caseworkers_reach_the_housing_admin(client, make_user, stock):
    round = AllocationRound.objects.create(name="r")
    client.force_login(make_user("cw_education", "caseworker_education"))
    assert client.get(reverse("admin:housing_housingapplication_changelist")).status_code == 403
    assert client.get(reverse("admin:housing_allocationround_preview", args=[round.pk])).status_code == 403
    client.force_login(make_user("13800001111", "resident"))
    assert client.get(reverse("admin:housing_allocationround_preview", args=[round.pk])).status_code == 302


def test_rent_change_and_move_out_are_admin_actions(client, caseworker, stock):
    tenancy = let(Place.objects.filter(compound=stock[0]).get())
    client.force_login(caseworker)
    url = reverse("admin:housing_tenancy_changelist")

    form = client.post(url, {"action": "change_rent", "_selected_action": [tenancy.pk]}, **EN)
    client.post(
        url,
        {"action": "change_rent", "_selected_action": [tenancy.pk], "apply": "1", "rent": "333.00",
         "effective_from": tenancy.start_date.isoformat(), "note": "review"},
    )  # fmt: skip
    client.post(
        url,
        {
            "action": "move_out",
            "_selected_action": [tenancy.pk],
            "apply": "1",
            "end_date": tenancy.start_date.isoformat(),
        },
    )

    assert "new monthly rent" in form.content.decode()
    tenancy.refresh_from_db()
    assert (str(tenancy.rent), tenancy.end_date) == ("333.00", tenancy.start_date)


def test_a_caseworker_lets_a_place_directly(client, caseworker, stock):
    resident = make_applicant()
    place = Place.objects.filter(compound=stock[0]).get()
    client.force_login(caseworker)

    client.post(
        reverse("admin:housing_place_changelist"),
        {"action": "let_directly", "_selected_action": [place.pk], "apply": "1", "resident_card": resident.card_number,
         "household_size": 1, "start_date": "2025-01-02"},
    )  # fmt: skip

    assert Tenancy.objects.get(place=place).resident == resident


def test_a_room_saved_in_the_admin_gets_its_places(client, caseworker, stock):
    building = stock[0].buildings.get()
    client.force_login(caseworker)

    response = client.post(
        reverse("admin:housing_room_add"),
        {"building": building.pk, "number": "301", "kind": "shared", "capacity": 3, "rent": "250.00",
         "places-TOTAL_FORMS": 0, "places-INITIAL_FORMS": 0},
        **EN,
    )  # fmt: skip
    refused = client.post(
        reverse("admin:housing_room_add"),
        {"building": building.pk, "number": "302", "kind": "family", "capacity": 1, "rent": "250.00",
         "places-TOTAL_FORMS": 0, "places-INITIAL_FORMS": 0},
        **EN,
    )  # fmt: skip

    assert response.status_code == 302
    assert Room.objects.get(number="301").places.count() == 3
    assert "2 to 12" in refused.content.decode()


def test_compounds_and_rooms_import_and_export():
    owner = make_employer()
    compounds = tablib.Dataset(
        ["dorm-1", "宿舍", "Dormitory 1", "dormitory", "zhoushi", "1 Factory Road", owner.uscc, "", "canteen", "1"],
        headers=["code", "name_zh", "name_en", "kind", "town", "address", "owner_uscc", "partner_employers_uscc",
                 "facilities", "accepting"],
    )  # fmt: skip
    rooms = tablib.Dataset(
        ["dorm-1", "A", "101", "shared", "6", "0"],
        ["dorm-1", "A", "102", "family", "3", "0"],
        ["dorm-1", "A", "103", "shared", "4", "99"],
        headers=["compound", "building", "number", "kind", "capacity", "rent"],
    )

    compound_result = CompoundResource().import_data(compounds)
    room_result = RoomResource().import_data(rooms)

    assert not compound_result.has_errors() and not compound_result.has_validation_errors()
    assert Compound.objects.get(code="dorm-1").owner == owner
    assert room_result.has_validation_errors()  # the dormitory room with a rent: refused
    assert Place.objects.filter(compound__code="dorm-1").count() == 7
    exported = RoomResource().export()
    assert ["dorm-1", "A", "101", "shared", "6", "0.00"] in [list(row) for row in exported]


def test_a_transfer_round_preview_lists_the_moves(client, caseworker):
    a, b = make_compound(), make_compound()
    in_a, in_b = let(make_beds(a, 1)[0]), let(make_beds(b, 1)[0])
    services.transfer_request_submit(tenancy=in_a, compounds=[b], actor=None)
    services.transfer_request_submit(tenancy=in_b, compounds=[a], actor=None)
    round = services.round_create(name="Q3 transfers", kind="transfer", actor=caseworker)
    client.force_login(caseworker)

    response = client.get(reverse("admin:housing_allocationround_preview", args=[round.pk]), **EN)

    assert "2 tenants would move" in response.content.decode()


def test_offers_are_cancelled_and_applications_rejected_with_a_reason(client, caseworker, stock):
    offered = apply(None, stock[0])
    waiting = apply(None, stock[0])
    services.round_run(
        round=services.round_create(name="r", kind="allocation", actor=caseworker), actor=caseworker
    )
    offer = Offer.objects.get()
    client.force_login(caseworker)

    client.post(
        reverse("admin:housing_offer_changelist"),
        {"action": "cancel", "_selected_action": [offer.pk], "apply": "1", "reason": "Pipes burst."},
    )
    client.post(
        reverse("admin:housing_housingapplication_changelist"),
        {"action": "reject", "_selected_action": [waiting.pk], "apply": "1", "reason": "Left the city."},
    )

    offer.refresh_from_db()
    offered.refresh_from_db()
    waiting.refresh_from_db()
    assert (offer.state, offered.state) == ("cancelled", "waiting")
    assert (waiting.state, waiting.decision_note) == ("rejected", "Left the city.")
