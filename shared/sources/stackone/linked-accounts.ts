import * as z from "zod/mini";
import { StackoneBadAnswer } from "./api-errors.ts";
import { pathWith, type StackoneHttp } from "./stackone-http.ts";

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
