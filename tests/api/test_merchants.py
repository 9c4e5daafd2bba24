"""Finding merchants through the API."""

from tests.support.app import login_as
from tests.support.factories import make_merchants, make_user


def test_merchant_search_filters_by_street_colour_and_name(client, sync_engine):
    make_user(sync_engine, "sup", role="supervisor", street=None)  # the district's
    make_merchants(sync_engine, 3, street="hubin", colour="red", name_prefix="红火餐馆")
    make_merchants(sync_engine, 4, street="kaixuan", colour="green", seed=2, name_prefix="绿叶面馆")
    login_as(client, "sup")
    everything = client.get("/api/v1/merchants").json()
    assert everything["total"] == 7
    item = everything["items"][0]
    for key in ("id", "uscc", "name", "street", "colour", "lat", "lng"):
        assert key in item
    red = client.get("/api/v1/merchants", params={"colour": "red"}).json()
    assert red["total"] == 3 and {m["colour"] for m in red["items"]} == {"red"}
    kaixuan = client.get("/api/v1/merchants", params={"street": "凯旋街道"}).json()
    assert kaixuan["total"] == 4 and {m["street"] for m in kaixuan["items"]} == {"kaixuan"}
    by_name = client.get("/api/v1/merchants", params={"q": "面馆"}).json()
    assert by_name["total"] == 4
    code = everything["items"][0]["uscc"]
    by_code = client.get("/api/v1/merchants", params={"q": code.lower()}).json()
    assert [m["uscc"] for m in by_code["items"]] == [code]
    one = client.get(f"/api/v1/merchants/{item['id']}")
    assert one.status_code == 200 and one.json()["uscc"] == item["uscc"]


def test_paging_walks_every_merchant_once(client, sync_engine):
    make_user(sync_engine, "sup", role="supervisor")
    made = make_merchants(sync_engine, 25)
    login_as(client, "sup")
    seen = []
    for page in (1, 2, 3):
        body = client.get("/api/v1/merchants", params={"page": page, "page_size": 10}).json()
        seen += [m["id"] for m in body["items"]]
    assert sorted(seen) == sorted(str(m.id) for m in made)


def test_bad_filters_get_a_reason(client, sync_engine):
    make_user(sync_engine, "sup", role="supervisor")
    login_as(client, "sup")
    colour = client.get("/api/v1/merchants", params={"colour": "purple"})
    assert colour.status_code == 400
    assert "purple" in colour.json()["detail"]
    street = client.get("/api/v1/merchants", params={"street": "火星街道"})
    assert street.status_code == 400
    assert "火星街道" in street.json()["detail"]
    size = client.get("/api/v1/merchants", params={"page_size": 100000})
    assert size.status_code == 400
    assert "page_size" in size.json()["detail"]
    missing = client.get("/api/v1/merchants/7d1c4f7e-0000-4000-8000-000000000000")
    assert missing.status_code == 404
    garbage = client.get("/api/v1/merchants/not-a-uuid")
    assert garbage.status_code == 404
    assert garbage.json()["detail"]
