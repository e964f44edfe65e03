import { useState } from "preact/hooks";
import type { Subscription } from "./api.ts";
import { absolute } from "./format.ts";

function filterText(filter: Record<string, unknown>): string {
  const parts = Object.entries(filter).map(
    ([k, v]) => `${k.replaceAll("_", " ")}: ${Array.isArray(v) ? v.join(", ") : String(v)}`,
  );
  return parts.length === 0 ? "every notice" : parts.join(" · ");
}

function SubscriptionCard({
  subscription: s,
  test,
}: {
  subscription: Subscription;
  test: (s: Subscription) => Promise<{ ok: boolean; text: string }>;
}) {
  const [result, setResult] = useState<{ ok: boolean; text: string }>();
  const [busy, setBusy] = useState(false);
  const titleId = `s-${s.id}`;
  async function send() {
    setBusy(true);
    setResult({ ok: true, text: "Sending…" });
    try {
      setResult(await test(s));
    } catch (error) {
      setResult({ ok: false, text: (error as Error).message });
    } finally {
      setBusy(false);
    }
  }
  return (
    <article class="card" aria-labelledby={titleId} data-subscription={s.id}>
      <div class="tags">
        <span class="tag">{s.kind}</span>
        <span class={`tag ${s.status === "broken" ? "firing" : ""}`}>
          {s.status.replaceAll("_", " ")}
        </span>
      </div>
      <h3 id={titleId}>
        <code>{s.target}</code>
      </h3>
      <p class="facts">
        <span>Gets {filterText(s.filter)}</span>
        <span>Added {absolute(s.created_at)}</span>
        {s.broken_reason && <span>Stopped: {s.broken_reason}</span>}
      </p>
      {s.testable ? (
        <button type="button" disabled={busy} onClick={send}>
          Send test
        </button>
      ) : (
        <p class="summary">
          No test: email is sent once <code>SMTP_URL</code> (one machine) or <code>EMAIL_FROM</code>{" "}
          (deployed, SES) is set.
        </p>
      )}
      <p class={`result ${result ? (result.ok ? "ok" : "fail") : ""}`} role="status">
        {result?.text ?? ""}
      </p>
    </article>
  );
}

export function SubscriptionsView({
  subscriptions,
  test,
}: {
  subscriptions: Subscription[];
  test: (s: Subscription) => Promise<{ ok: boolean; text: string }>;
}) {
  return (
    <>
      <h2>Subscriptions ({subscriptions.length})</h2>
      <p class="summary">
        Where notices go besides the default Slack channel. Add or remove them with the API (
        <code>POST /subscriptions</code>, <code>DELETE /subscriptions/&#123;id&#125;</code>).
      </p>
      {subscriptions.length === 0 && <p class="empty">No subscriptions yet.</p>}
      {subscriptions.map((s) => (
        <SubscriptionCard key={s.id} subscription={s} test={test} />
      ))}
    </>
  );
}
