/// <reference path="./.sst/platform/config.d.ts" />
/**
 * Quirkwatch on AWS with SST v4. `npx sst deploy --stage production`; see docs/deploying.md.
 * `npm run test:infra` checks this file and infra/ against SST's own components (test/infra/).
 */
export default $config({
  app(input) {
    const production = input?.stage === "production";
    return {
      name: "quirkwatch",
      home: "aws",
      // `protect` refuses `sst remove` in production. "retain" keeps the table when it leaves
      // the definition or is replaced, not queues or topics: infra/retention.ts retains the
      // dead-letter queues and the Alerts topic too. Every other stage is disposable.
      removal: production ? "retain" : "remove",
      protect: production,
    };
  },
  async run() {
    await import("./infra/secrets.ts");
    await import("./infra/storage.ts");
    const { alerts } = await import("./infra/alerts.ts");
    await import("./infra/email.ts");
    await import("./infra/queue.ts");
    await import("./infra/poller.ts");
    const { api, ingest } = await import("./infra/api.ts");
    await import("./infra/pagerduty.ts");
    await import("./infra/cron.ts");
    await import("./infra/alarms.ts");
    return {
      // Ingest's function URL ends with a slash.
      webhookUrl: $interpolate`${ingest.url}webhooks/stackone`,
      apiUrl: api.url,
      alertsTopicArn: alerts.arn,
    };
  },
});
