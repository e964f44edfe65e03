import { StackOneCore } from "@stackone/stackone-client-ts/core.js";
import { connectSessionsCreateConnectSession } from "@stackone/stackone-client-ts/funcs/connectSessionsCreateConnectSession.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  StackoneUnauthorized,
  StackoneUnavailable,
} from "../../shared/sources/stackone/api-errors.ts";
import {
  ConnectSessionRefused,
  ConnectSessionsClient,
} from "../../shared/sources/stackone/connect-sessions.ts";
import {
  type StackoneConnectServer,
  startStackoneConnectServer,
} from "../support/stackone-connect-server.ts";

let server: StackoneConnectServer;
beforeAll(async () => {
  server = await startStackoneConnectServer();
});
afterAll(() => server?.close());
beforeEach(() => server.reset());

const client = (options: Partial<ConstructorParameters<typeof ConnectSessionsClient>[0]> = {}) =>
  new ConnectSessionsClient({
    baseUrl: server.url,
    apiKey: server.key,
    retrying: { sleep: async () => {} },
    ...options,
  });

const withoutUserAgent = ({ "user-agent": _, ...headers }: Record<string, string>) => headers;

describe("POST /connect_sessions", () => {
  it("sends what StackOne's own SDK sends: method, path, query, headers and body", async () => {
    server.account("acc_42");
    const sdk = new StackOneCore({ serverURL: server.url, security: { username: server.key } });
    const viaSdk = await connectSessionsCreateConnectSession(sdk, {
      accountId: "acc_42",
      originOwnerId: "org_7",
      originOwnerName: "Acme GmbH",
      provider: "hibob",
    });
    expect(viaSdk.ok).toBe(true);
    const ours = await client().create({
      account_id: "acc_42",
      origin_owner_id: "org_7",
      origin_owner_name: "Acme GmbH",
      provider: "hibob",
    });

    const [fromSdk, fromUs] = server.requests;
    if (!fromSdk || !fromUs) throw new Error("expected two requests");
    expect(fromUs.method).toBe(fromSdk.method);
    expect(fromUs.path).toBe(fromSdk.path);
    expect(fromUs.query).toBe(fromSdk.query);
    expect(fromUs.body).toBe(fromSdk.body);
    // Every header alike but the user agent: we name ourselves, not StackOne's SDK.
    expect(withoutUserAgent(fromUs.headers)).toEqual(withoutUserAgent(fromSdk.headers));
    expect(fromUs.headers["user-agent"]).toBe("Quirkwatch");
    expect(JSON.parse(fromUs.body)).toEqual({
      account_id: "acc_42",
      expires_in: 1800,
      multiple: false,
      origin_owner_id: "org_7",
      origin_owner_name: "Acme GmbH",
      provider: "hibob",
      type: "production",
    });

    // The SDK reads the same answer we do.
    const sdkSession = viaSdk.ok ? viaSdk.value.connectSessionTokenAuthLink : undefined;
    expect(server.sessions.map((s) => s.auth_link_url)).toEqual([
      sdkSession?.authLinkUrl,
      ours.auth_link_url,
    ]);
    expect(ours.id).toBe(String(server.sessions[1]?.id));
  });

  it("retries a 500 and succeeds when StackOne recovers", async () => {
    server.account("acc_1");
    server.fail({ status: 500 });
    const session = await client().create({
      account_id: "acc_1",
      origin_owner_id: "o",
      origin_owner_name: "n",
    });
    expect(session.auth_link_url).toMatch(/^https:\/\/hub\.stackone\.test\//);
    expect(server.requests).toHaveLength(2);
  });

  it("gives up after its attempts when StackOne keeps failing", async () => {
    server.fail({ status: 502 }, { status: 503 }, { status: 500 });
    await expect(
      client().create({ account_id: "a", origin_owner_id: "o", origin_owner_name: "n" }),
    ).rejects.toBeInstanceOf(StackoneUnavailable);
    expect(server.requests).toHaveLength(3);
  });

  it("does not retry what StackOne will refuse again", async () => {
    const refused = client().create({
      account_id: "gone",
      origin_owner_id: "o",
      origin_owner_name: "n",
    });
    await expect(refused).rejects.toMatchObject({ name: "ConnectSessionRefused", status: 404 });
    await expect(refused).rejects.toBeInstanceOf(ConnectSessionRefused);
    const badKey = client({ apiKey: "wrong" }).create({
      account_id: "a",
      origin_owner_id: "o",
      origin_owner_name: "n",
    });
    await expect(badKey).rejects.toBeInstanceOf(StackoneUnauthorized);
    expect(server.requests).toHaveLength(2);
  });

  it("refuses an answer without a usable auth_link_url", async () => {
    server.fail({ status: 201, body: { id: 1, auth_link_url: "javascript:alert(1)" } });
    await expect(
      client().create({ account_id: "a", origin_owner_id: "o", origin_owner_name: "n" }),
    ).rejects.toMatchObject({ name: "StackoneBadAnswer" });
  });
});
