// The phone's store for the offline app, shared by the pages and the service worker
// (decision 0039): IndexedDB through idb, everything personal sealed with AES-GCM under one
// non-extractable key that lives in the same database and is deleted with it at logout.
//   queue  records saved on the phone and not yet sent (visits with their photos, findings)
//   pages  the pages kept for offline reading (today's list, the forms), per user
//   meta   small values: the signed-in user, the last sync, the pages to keep
//   keys   the AES-GCM key
(function (root) {
  "use strict";
  const NAME = "zoufang-offline";
  let opening = null;

  function db() {
    if (!opening) {
      opening = root.idb.openDB(NAME, 1, {
        upgrade(d) {
          d.createObjectStore("keys");
          d.createObjectStore("queue", { keyPath: "id" }).createIndex("seq", "seq");
          d.createObjectStore("pages", { keyPath: "url" });
          d.createObjectStore("meta");
        },
        // Another context wants to delete or upgrade the database (logout): let it.
        blocking() { close(); },
        terminated() { opening = null; },
      });
    }
    return opening;
  }

  function close() {
    if (opening) {
      const was = opening;
      opening = null;
      was.then((d) => d.close()).catch(() => {});
    }
  }

  async function key() {
    const d = await db();
    let k = await d.get("keys", "aes");
    if (k) return k;
    k = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
    try {
      await d.add("keys", k, "aes");
    } catch (e) {
      k = await d.get("keys", "aes"); // another tab (or the worker) made it first
    }
    return k;
  }

  // value: anything JSON can hold, or an ArrayBuffer (a photo).
  async function seal(value) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const binary = value instanceof ArrayBuffer;
    const plain = binary ? value : new TextEncoder().encode(JSON.stringify(value));
    const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await key(), plain);
    return { iv, data, binary };
  }

  async function unseal(box) {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: box.iv }, await key(), box.data);
    return box.binary ? plain : JSON.parse(new TextDecoder().decode(plain));
  }

  async function metaGet(name) { return (await db()).get("meta", name); }
  async function metaSet(name, value) { return (await db()).put("meta", value, name); }

  async function queueAll() { return (await db()).getAllFromIndex("queue", "seq"); }
  async function queuePut(record) { return (await db()).put("queue", record); }
  async function queueGet(id) { return (await db()).get("queue", id); }
  async function queueDelete(id) { return (await db()).delete("queue", id); }

  async function pagePut(url, user, html, csp) {
    const box = await seal({ html, csp });
    return (await db()).put("pages", { url, user, box, stored_at: new Date().toISOString() });
  }

  // The kept page as a response, or null (none, or another user's).
  async function pageGet(url, user) {
    const row = await (await db()).get("pages", url);
    if (!row || row.user !== user) return null;
    const page = await unseal(row.box);
    const marker = `<meta name="zf-offline-copy" content="${row.stored_at}">`;
    const headers = { "Content-Type": "text/html; charset=utf-8" };
    if (page.csp) headers["Content-Security-Policy"] = page.csp;
    return new Response(page.html.replace("<head>", "<head>" + marker), { headers });
  }

  // Keep only `urls` of `user`: another user's pages and pages no longer listed go.
  async function pagesPrune(user, urls) {
    const d = await db();
    const keep = new Set(urls);
    const tx = d.transaction("pages", "readwrite");
    let cursor = await tx.store.openCursor();
    while (cursor) {
      if (cursor.value.user !== user || !keep.has(cursor.value.url)) await cursor.delete();
      cursor = await cursor.continue();
    }
    await tx.done;
  }

  // Everything this site holds on the phone: the store (queue, pages, key) and the caches.
  async function wipe() {
    close();
    await root.idb.deleteDB(NAME);
    if (root.caches) {
      const names = await root.caches.keys();
      await Promise.all(names.map((n) => root.caches.delete(n)));
    }
  }

  root.zfStore = {
    db, seal, unseal, metaGet, metaSet, queueAll, queuePut, queueGet, queueDelete,
    pagePut, pageGet, pagesPrune, wipe,
  };
})(self);
