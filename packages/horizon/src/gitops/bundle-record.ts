import { z } from "zod";

/**
 * `manifest.json` of a `horizon backup` folder: what each bundle must be (checksum, size), what it held (HEAD,
 * refs, commits) and, for the manifests repo, the signature status (`%G?`) of every commit of the record
 * (`horizon release history`), so that `horizon restore --verify` can tell a restored history from a rewritten one.
 */
export const BACKUP_RECORD = "manifest.json";
export const BACKUP_FORMAT = "horizon-backup/1";
export const REPOSITORIES = ["manifests", "application"] as const;
export type RepositoryName = (typeof REPOSITORIES)[number];
export const bundleFile = (name: RepositoryName): string => `${name}.bundle`;

const Sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, "a full commit hash");

const BundleRecordSchema = z.object({
  file: z.string().regex(/^[\w.-]+\.bundle$/, "a bundle file name in the backup folder"),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "64 hex digits"),
  size: z.number().int().nonnegative(),
  head: Sha,
  branch: z.string().min(1).nullable(),
  refs: z.record(z.string(), Sha),
  commits: z.number().int().nonnegative(),
  /** Commit to `%G?`, for the commits of the audit trail (manifests repo only). */
  signatures: z.record(Sha, z.string().length(1)).optional(),
});
export type BundleRecord = z.infer<typeof BundleRecordSchema>;

export const BackupRecordSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  createdAt: z.iso.datetime({ offset: true }),
  /** Where the repositories were backed up from (informative). */
  sources: z.partialRecord(z.enum(REPOSITORIES), z.string()),
  bundles: z.object({ manifests: BundleRecordSchema, application: BundleRecordSchema.optional() }),
});
export type BackupRecord = z.infer<typeof BackupRecordSchema>;
