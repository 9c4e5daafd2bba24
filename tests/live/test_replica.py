"""A replica never keeps a value read before a change to it was announced."""

from server.core.replica import MISSING, Replica


def test_a_read_that_raced_a_change_is_not_kept():
    replica = Replica()
    mark = replica.mark()
    replica.drop("a")  # the change is announced while "a" is being read
    replica.put("a", "old", mark)
    assert replica.get("a") is MISSING
    replica.put("a", "new", replica.mark())
    assert replica.get("a") == "new"


def test_changes_to_other_keys_do_not_void_a_read():
    replica = Replica()
    mark = replica.mark()
    for n in range(100):  # a storm of sign-ins elsewhere
        replica.drop(f"other-{n}")
    replica.put("a", "value", mark)
    assert replica.get("a") == "value"


def test_a_broad_change_voids_every_read_in_flight():
    replica = Replica()
    replica.put("kept", 1, replica.mark())
    mark = replica.mark()
    replica.drop_where(lambda key, _: key == "kept")
    replica.put("b", 2, mark)
    assert replica.get("b") is MISSING and replica.get("kept") is MISSING
    replica.clear()
    replica.put("c", 3, mark)
    assert replica.get("c") is MISSING


def test_the_oldest_entries_leave_a_full_replica():
    replica = Replica(size=2)
    for key in "abc":
        replica.put(key, key, replica.mark())
    assert len(replica) == 2 and replica.get("a") is MISSING


def test_an_entry_older_than_the_maximum_age_is_read_again():
    now = [1000.0]
    expired: list[str] = []
    replica = Replica(max_age=60, on_expire=expired.append, clock=lambda: now[0])
    replica.put("a", "kept", replica.mark())
    now[0] += 59
    assert replica.get("a") == "kept"
    now[0] += 2  # a write no notification announced may have changed it since
    assert replica.get("a") is MISSING
    assert replica.get("a") is MISSING
    assert expired == ["a"]  # told once, to read it again
    replica.put("a", "fresh", replica.mark())
    assert replica.get("a") == "fresh"


def test_dropping_named_keys_voids_every_read_in_flight_and_keeps_the_rest():
    replica = Replica()
    replica.put("a", 1, replica.mark())
    replica.put("b", 2, replica.mark())
    mark = replica.mark()  # a page being read for a key the caller could not name yet
    replica.drop_keys(["a"])
    replica.put("c", 3, mark)
    assert replica.get("a") is MISSING and replica.get("c") is MISSING
    assert replica.get("b") == 2
