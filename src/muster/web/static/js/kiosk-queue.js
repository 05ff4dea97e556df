// Check-ins captured while the server was unreachable, kept in IndexedDB until delivered.
//
// Each entry is {key, capturedAt, blob}: the idempotency key made when the frame was captured
// (crypto.randomUUID), the capture time (ISO 8601, UTC) and the JPEG itself. An entry leaves
// the queue only once the server has answered it, and every retry sends the SAME key, so the
// server records it at most once even if an answer was lost on the way back.

const DB_NAME = "muster-kiosk";
const DB_VERSION = 1;
const STORE = "checkins";

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export class CheckinQueue {
  constructor(db) {
    this.db = db;
  }

  static async open() {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const store = request.result.createObjectStore(STORE, { keyPath: "key" });
      store.createIndex("capturedAt", "capturedAt");
    };
    return new CheckinQueue(await done(request));
  }

  store(mode) {
    return this.db.transaction(STORE, mode).objectStore(STORE);
  }

  async add(entry) {
    await done(this.store("readwrite").add(entry));
  }

  /** The entry captured first (check-ins are delivered in capture order), or null. */
  async oldest() {
    const cursor = await done(this.store("readonly").index("capturedAt").openCursor());
    return cursor ? cursor.value : null;
  }

  async remove(key) {
    await done(this.store("readwrite").delete(key));
  }

  async count() {
    return done(this.store("readonly").count());
  }
}
