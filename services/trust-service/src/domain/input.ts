import { MoneySchema } from "@blessed-horizon/contracts";
import { z } from "zod";
import { storableText } from "@blessed-horizon/service-kit";

const Id = storableText(1, 200);
const Ip = z.union([z.ipv4(), z.ipv6()], { error: "must be an IPv4 or IPv6 address" }).transform((ip) => normalizeIp(ip));
const Email = z.email().max(320).transform((e) => e.toLowerCase());

/** A donation about to be charged. payment-service sends this before it calls the provider. */
export const DonationAssessmentSchema = z.strictObject({
  kind: z.literal("donation"),
  donationId: Id.optional(),
  campaignId: Id,
  amount: MoneySchema,
  donorId: Id.optional(),
  email: Email.optional(),
  ip: Ip,
  cardFingerprint: storableText(8, 200),
});

/** A campaign about to be published. */
export const CampaignAssessmentSchema = z.strictObject({
  kind: z.literal("campaign"),
  campaignId: Id,
  organizerId: Id,
  email: Email.optional(),
  ip: Ip.optional(),
  title: storableText(0, 500).optional(),
  goal: MoneySchema.optional(),
});

export const AssessmentRequestSchema = z.discriminatedUnion("kind", [DonationAssessmentSchema, CampaignAssessmentSchema], {
  error: "kind must be 'donation' or 'campaign'",
});

export type DonationAssessmentInput = z.infer<typeof DonationAssessmentSchema>;
export type CampaignAssessmentInput = z.infer<typeof CampaignAssessmentSchema>;
export type AssessmentRequest = z.infer<typeof AssessmentRequestSchema>;

export const ASSET_KINDS = ["card_fingerprint", "email", "ip"] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

export const SuspendAssetSchema = z
  .strictObject({
    kind: z.enum(ASSET_KINDS),
    value: storableText(1, 320),
    reason: storableText(0, 1000).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.kind === "email" && !z.email().safeParse(a.value).success) ctx.addIssue({ code: "custom", path: ["value"], message: "must be an email address" });
    if (a.kind === "ip" && !Ip.safeParse(a.value).success) ctx.addIssue({ code: "custom", path: ["value"], message: "must be an IPv4 or IPv6 address" });
  })
  .transform((a) => ({ ...a, value: normalizeAsset(a.kind, a.value) }));

export const ReviewDecisionSchema = z.strictObject({
  decision: z.enum(["approve", "reject"]),
  note: storableText(0, 2000).optional(),
});

/** Emails compare case-insensitively, IPs in one spelling; fingerprints as given. */
export function normalizeAsset(kind: AssetKind, value: string): string {
  if (kind === "email") return value.trim().toLowerCase();
  if (kind === "ip") return normalizeIp(value.trim());
  return value.trim();
}

/** One spelling per address: IPv4-mapped IPv6 (`::ffff:192.0.2.1`, what a dual-stack server reports) becomes IPv4; IPv6 lower case. */
export function normalizeIp(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  return mapped ? mapped[1] : ip.toLowerCase();
}

/** One identity per donor for velocity: the account id when signed in, else the email. */
export function donorKey(input: { donorId?: string | undefined; email?: string | undefined }): string | null {
  if (input.donorId) return `id:${input.donorId}`;
  if (input.email) return `email:${input.email.toLowerCase()}`;
  return null;
}
