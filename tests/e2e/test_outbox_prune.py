"""The phone lets go of records the server confirmed days ago, and of nothing else."""

from playwright import sync_api
from sqlalchemy import Engine

from tests.e2e.phone import needs_chromium, open_phone
from tests.inspections.conftest import make_day

pytestmark = needs_chromium

PRUNE = """async () => {
  const store = await import("/app/js/store.js");
  const outbox = await import("/app/js/outbox.js");
  const day = 24 * 60 * 60 * 1000, now = Date.now();
  const entries = [
    ["old-synced", "synced", now - 4 * day],
    ["new-synced", "synced", now - 1 * day],
    ["old-waiting", "waiting", null],
    ["old-attention", "attention", null],
  ];
  for (const [id, state, syncedAt] of entries) {
    await store.outboxPut({ id, state, syncedAt, visitId: `v-${id}`, photos: [`p-${id}`] });
    await store.putPhoto({ id: `p-${id}`, visitId: `v-${id}` });
    await store.putVisit({ visitId: `v-${id}` });
  }
  const removed = await outbox.prune();
  const left = (await store.outboxAll()).map((e) => e.id).sort();
  const photos = await Promise.all(entries.map(([id]) => store.getPhoto(`p-${id}`)));
  const visits = await Promise.all(entries.map(([id]) => store.getVisit(`v-${id}`)));
  return { removed, left, photos: photos.map(Boolean), visits: visits.map(Boolean) };
}"""


def test_synced_records_leave_the_phone_after_three_days(live, sync_engine: Engine):
    day = make_day(sync_engine)
    with sync_api.sync_playwright() as p:
        browser, _, page = open_phone(p, live.url, day.officers[0].username)
        result = page.evaluate(PRUNE)
        browser.close()
    assert result["removed"] == 1
    assert result["left"] == ["new-synced", "old-attention", "old-waiting"]
    assert result["photos"] == [False, True, True, True]
    assert result["visits"] == [False, True, True, True]
