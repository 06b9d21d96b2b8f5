import { crc32 } from "node:zlib";

/** golang-migrate's `advisoryLockIDSalt` (database/util.go). */
const SALT = 1486364155;

/**
 * The advisory lock id golang-migrate v4.18.3 takes (database/util.go
 * `GenerateAdvisoryLockId`): CRC-32 (IEEE) of the additional names and then
 * the database name, joined by NUL, times the salt in uint32 arithmetic. Its
 * postgres driver passes (DatabaseName, schema, table), where DatabaseName is
 * the URL's path, leading slash included (`/payments`).
 */
export function golangMigrateLockId(databaseName: string, ...additionalNames: string[]): string {
  const names = additionalNames.length > 0 ? [...additionalNames, databaseName].join("\x00") : databaseName;
  return String(Math.imul(crc32(Buffer.from(names, "utf8")), SALT) >>> 0);
}
