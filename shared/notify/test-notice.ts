import type { Notice } from "../incidents/notice.ts";

/**
 * The sample notice `POST /subscriptions/{id}/test` sends: plainly a test, for an account that
 * does not exist, so nobody mistakes it for a real problem.
 */
export function testNotice(subscriptionId: string, now: Date): Notice {
  const at = now.toISOString();
  return {
    id: `test.${subscriptionId}.${now.getTime()}`,
    kind: "firing",
    created_at: at,
    incident: {
      id: `test_${subscriptionId}`,
      account: { id: "quirkwatch-test", name: "Quirkwatch test" },
      provider: "quirkwatch",
      rule_id: "quirkwatch.test",
      category: "unknown",
      severity: "info",
      must_act: "us",
      // What a destination with the customer audience shows.
      customer: {
        title: "Test notice from Quirkwatch",
        what_happened: "Someone sent this test to check that alerts reach you. Nothing is broken.",
        remediation: ["Nothing to do: alerts about your connections reach you here."],
      },
      status: "firing",
      title: "Test notice from Quirkwatch",
      what_happened:
        "Someone sent this test from the Quirkwatch dashboard to check this destination. Nothing is broken.",
      remediation: ["Nothing to do: this destination receives Quirkwatch notices."],
      retryable: false,
      count: 1,
      first_seen: at,
      last_seen: at,
      request_ids: [],
      messages: [],
      provider_messages: [],
    },
  };
}
