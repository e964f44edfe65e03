/** Which secrets a deploy needs set (`npx sst secret set`), and which it does without. */
import { expect, inject, it } from "vitest";
import { Deployment } from "./support/deployment.ts";
import { DeployFailedError, evaluate, REQUIRED_SECRETS } from "./support/evaluate.ts";

it.each(Object.keys(REQUIRED_SECRETS))(
  "a deploy without %s stops and says how to set it",
  async (name) => {
    const others = Object.fromEntries(
      Object.entries(REQUIRED_SECRETS).filter(([secret]) => secret !== name),
    );
    const deploy = evaluate({ stage: "dev", secrets: others });
    await expect(deploy).rejects.toThrow(DeployFailedError);
    await expect(deploy).rejects.toThrow(`sst secret set ${name}`);
  },
);

it("every other secret may stay unset", () => {
  // The dev stage was evaluated with only the required secrets set.
  const dev = new Deployment(inject("dev"));
  const optional = dev
    .all("sst:sst:Secret")
    .map((s) => s.name)
    .filter((name) => !(name in REQUIRED_SECRETS));
  expect(optional).toEqual(
    expect.arrayContaining([
      "SlackWebhookUrl",
      "SlackSigningSecret",
      "GenericWebhookSecret",
      "StackoneApiKey",
    ]),
  );
});
