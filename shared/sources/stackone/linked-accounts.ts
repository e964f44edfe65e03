import * as z from "zod/mini";
import type { AccountStatusLookup } from "./account-status.ts";
import { StackoneBadAnswer } from "./api-errors.ts";
import { pathWith, StackoneHttp, type StackoneHttpOptions } from "./stackone-http.ts";

/**
 * StackOne's linked accounts, `GET /accounts/{id}` as the SDK's `accountsGetAccount` sends it
 * (no query). The poller names customers from it (`origin_owner_name`), and ingest reads an
 * account's `status` when an `account.updated` webhook carries none.
 */

/** A linked account as StackOne answers it (snake_case); its fields are read leniently. */
export type LinkedAccount = Record<string, unknown>;

const AccountAnswer = z.record(z.string(), z.unknown());

/** The account, or undefined when StackOne does not know it (404). */
export async function getLinkedAccount(
  http: StackoneHttp,
  id: string,
): Promise<LinkedAccount | undefined> {
  const body = await http.get(pathWith("/accounts/{id}", id), "", true);
  if (body === undefined) return undefined;
  const answer = AccountAnswer.safeParse(body);
  if (!answer.success) throw new StackoneBadAnswer(`account ${id} is not an object`);
  return answer.data;
}

/** What ingest may spend on one lookup: it answers StackOne's webhook after it. */
const LOOKUP_TIMEOUT_MS = 3_000;

/**
 * An account's status as StackOne has it now, for ingest: one try, at most 3 s; undefined when
 * StackOne does not know the account or does not answer (the webhook is then taken as it is).
 */
export function accountStatusLookup(
  options: Pick<StackoneHttpOptions, "baseUrl" | "apiKey">,
): AccountStatusLookup {
  const http = new StackoneHttp({
    ...options,
    retrying: { policy: { attempts: 1 } },
    timeoutMs: LOOKUP_TIMEOUT_MS,
  });
  return async (accountId) => {
    const status = (await getLinkedAccount(http, accountId))?.status;
    return typeof status === "string" && status !== "" ? status : undefined;
  };
}
