import { Agent, request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiGateway } from "../../scripts/local/api-gateway.ts";

type Answer = { status: number; body: string; reused: boolean };

/** One request on `agent`, saying whether it went over a connection already used. */
function post(port: number, agent: Agent, body: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { port, host: "127.0.0.1", method: "POST", path: "/webhooks/stackone", agent },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: text, reused: req.reusedSocket }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("the local API gateway", () => {
  let server: ReturnType<typeof createApiGateway>;
  let port: number;
  beforeAll(async () => {
    server = createApiGateway({
      "POST /webhooks/{source}": async () => ({ statusCode: 202, body: '{"accepted":1}' }),
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("answers a 2 MB body with a JSON 413 and keeps the connection for the next request", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await post(port, agent, "{}")).status).toBe(202);
      const big = await post(port, agent, Buffer.alloc(2 * 1024 * 1024, "x"));
      expect(big.status).toBe(413);
      expect(JSON.parse(big.body)).toMatchObject({ error: expect.stringMatching(/too large/) });
      const next = await post(port, agent, "{}");
      expect(next).toMatchObject({ status: 202, reused: true });
    } finally {
      agent.destroy();
    }
  });
});
