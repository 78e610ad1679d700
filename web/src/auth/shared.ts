/**
 * The session as every tab sees it at once. localStorage is not that: Chromium syncs it between
 * tabs asynchronously, so a tab that takes the refresh lock right after another released it can
 * still read the old, already spent refresh token. IndexedDB is transactional across tabs, so
 * the refresh (under the lock) reads and writes the tokens here.
 */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { Session } from "./session";

interface AuthDB extends DBSchema {
  session: { key: string; value: Session };
}

const KEY = "current";
let db: Promise<IDBPDatabase<AuthDB>> | null = null;

function open(): Promise<IDBPDatabase<AuthDB>> {
  db ??= openDB<AuthDB>("tidings-auth", 1, {
    upgrade(database) {
      database.createObjectStore("session");
    },
  });
  return db;
}

export async function loadShared(): Promise<Session | null> {
  try {
    return (await (await open()).get("session", KEY)) ?? null;
  } catch {
    return null;
  }
}

export async function saveShared(session: Session | null): Promise<void> {
  try {
    const database = await open();
    if (session) await database.put("session", session, KEY);
    else await database.delete("session", KEY);
  } catch {
    // Private mode without IndexedDB: localStorage alone (one tab is then the safe case).
  }
}
