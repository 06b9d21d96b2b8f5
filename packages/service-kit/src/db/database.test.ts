import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../testing/databases.js";
import type { Database } from "./database.js";
import { DatabaseError, openDatabase } from "./database.js";

describe.each(testDatabases())("database on $kind", ({ kind, open }) => {
  let db: Database;
  beforeAll(async () => {
    db = await open();
    await db.exec("create table items (id bigint primary key, name text not null, at timestamptz not null default now(), price numeric, meta jsonb)");
  });
  afterAll(async () => db.close());

  it("reports its kind and answers", async () => {
    expect(db.kind).toBe(kind);
    await expect(db.ping()).resolves.toBeUndefined();
  });

  it("returns the same types from both back-ends", async () => {
    await db.query("insert into items (id, name, price, meta) values ($1, $2, $3, $4)", [1, "one", "1.50", JSON.stringify({ a: 1 })]);
    const { rows, rowCount } = await db.query<{ id: number; at: Date; price: string; meta: unknown }>("select id, at, price, meta from items where id = 1");
    expect(rowCount).toBe(1);
    expect(rows[0]).toMatchObject({ id: 1, price: "1.50", meta: { a: 1 } });
    expect(rows[0]?.at).toBeInstanceOf(Date);
    const updated = await db.query("update items set name = 'uno' where id = 1");
    expect(updated.rowCount).toBe(1);
  });

  it("commits a transaction that resolves and rolls back one that throws", async () => {
    await db.transaction(async (tx) => {
      await tx.query("insert into items (id, name) values (2, 'two')");
      await tx.exec("insert into items (id, name) values (3, 'three'); insert into items (id, name) values (4, 'four')");
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query("insert into items (id, name) values (5, 'five')");
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    const { rows } = await db.query<{ id: number }>("select id from items order by id");
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3, 4]);
  });

  it("does not report a transaction as committed when a statement in it failed and the callback carried on", async () => {
    // PostgreSQL answers COMMIT of an aborted transaction with ROLLBACK and no error (src/backend/access/transam/xact.c, EndTransactionBlock).
    const outcome = await db
      .transaction(async (tx) => {
        await tx.query("insert into items (id, name) values (6, 'six')");
        await tx.query("insert into items (id, name) values (6, 'again')").catch(() => undefined);
        return "committed";
      })
      .catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(DatabaseError);
    expect((outcome as Error).message).toMatch(/rolled back/);
    const { rows } = await db.query<{ id: number }>("select id from items where id = 6");
    expect(rows).toEqual([]);
  });
});

describe("openDatabase", () => {
  it("needs somewhere to keep the data", async () => {
    await expect(openDatabase({})).rejects.toBeInstanceOf(DatabaseError);
  });

  it("explains an unreachable server without leaking the password", async () => {
    // secretlint-disable-next-line @secretlint/secretlint-rule-database-connection-string -- a fake password, to prove it is redacted
    const error = await openDatabase({ url: "postgres://app:hunter2@127.0.0.1:1/nowhere" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as Error).message).toContain("cannot connect to DATABASE_URL");
    expect((error as Error).message).not.toContain("hunter2");
  });
});
