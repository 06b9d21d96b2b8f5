import { exactMinorUnits } from "@blessed-horizon/contracts";
import { AppError, NotFoundError } from "@blessed-horizon/service-kit";
import { z } from "zod";
import { accountBalances, listLedgerTransactions } from "../db/ledger.js";
import type { PaymentDeps } from "../service/deps.js";
import type { ServiceApp } from "@blessed-horizon/service-kit";

const ListQuery = z.strictObject({
  donationId: z.uuid("must be a UUID").optional(),
  account: z.string().min(1).max(300).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.coerce.number().int().positive().optional(),
});

const AccountParams = z.object({ id: z.string().min(1).max(300) });

/** A stored sum the API cannot return exactly: refused rather than answered rounded (writes keep sums below the limit, so this means the data was changed by hand). */
function exactSum(value: number, what: string): number {
  const exact = exactMinorUnits(value);
  if (exact === undefined) {
    throw new AppError(500, "BH_SUM_NOT_EXACT", "Internal Server Error", `${what} is past ${Number.MAX_SAFE_INTEGER} minor units and cannot be returned exactly`);
  }
  return exact;
}

export function registerLedgerRoutes(app: ServiceApp, deps: Pick<PaymentDeps, "db">): void {
  app.get(
    "/api/v1/ledger/transactions",
    { schema: { querystring: ListQuery, tags: ["ledger"], summary: "Ledger groups, newest first, each with its balanced entries" }, onRequest: [app.requireRole("admin")] },
    async (request) => {
      const { donationId, account, limit, cursor } = request.query;
      return listLedgerTransactions(deps.db, { donationId, account, limit, before: cursor });
    },
  );

  app.get(
    "/api/v1/ledger/accounts/:id/balance",
    {
      schema: { params: AccountParams, tags: ["ledger"], summary: "Debits, credits and balance (credits - debits) of an account, per currency" },
      onRequest: [app.requireRole("admin")],
    },
    async (request) => {
      const balances = await accountBalances(deps.db, request.params.id);
      if (balances.length === 0) throw new NotFoundError(`account ${request.params.id} has no entries`);
      return {
        account: request.params.id,
        balances: balances.map((b) => {
          const debits = exactSum(b.debits, `the ${b.currency} debits of account ${request.params.id}`);
          const credits = exactSum(b.credits, `the ${b.currency} credits of account ${request.params.id}`);
          return { currency: b.currency, debits, credits, balance: credits - debits };
        }),
      };
    },
  );
}
