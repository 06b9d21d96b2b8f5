/**
 * Which migration file names count, for both migrators: golang-migrate (the
 * db-migrate Job) and the service's own. `horizon validate` applies the same
 * rule to every migrations folder.
 */
type MigrationName =
  | { kind: "migration"; version: number; name: string; direction: "up" | "down" }
  /** golang-migrate reads it (and would run it) but the service migrator would not. */
  | { kind: "refused"; reason: string }
  /** Neither migrator reads it (README.md and the like). */
  | { kind: "other" };

/** golang-migrate v4.18.3 source/parse.go: any extension, any title, even with spaces or dots. */
const GOLANG_MIGRATE = /^([0-9]+)_(.*)\.(down|up)\.(.*)$/;
/** What both accept: a plain title and `.sql`, so the two never disagree on which files exist. */
const BOTH = /^([0-9]+)_([A-Za-z0-9_-]+)\.(up|down)\.sql$/;

const MIGRATION_NAME_RULE = "NNNN_name.up.sql / NNNN_name.down.sql, the name of letters, digits, _ and -";

export function parseMigrationName(fileName: string): MigrationName {
  const match = BOTH.exec(fileName);
  if (match !== null) {
    return { kind: "migration", version: Number(match[1]), name: match[2] ?? "", direction: match[3] === "up" ? "up" : "down" };
  }
  if (GOLANG_MIGRATE.test(fileName)) {
    return { kind: "refused", reason: `golang-migrate reads "${fileName}" but the service migrator would not: name it ${MIGRATION_NAME_RULE}` };
  }
  return { kind: "other" };
}
