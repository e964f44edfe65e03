import { useState } from "preact/hooks";
import type { Incident } from "./api.ts";
import {
  absolute,
  categoryLabel,
  duration,
  parseDuration,
  relative,
  SEVERITY_LABEL,
} from "./format.ts";
import { Sparkline } from "./sparkline.tsx";

export type Action =
  | { kind: "acknowledge" }
  | { kind: "mute"; seconds: number; comment?: string }
  | { kind: "unmute" }
  | { kind: "resolve" }
  /** Fetches a fresh reconnect link (admin token only) and copies it. */
  | { kind: "copy-reconnect-link" };

const MUTE_PRESETS = [
  ["Mute 1 h", 3_600],
  ["Mute 24 h", 86_400],
] as const;

/** Runs an action; resolves to what to tell the user. */
export type Act = (incident: Incident, action: Action) => Promise<string>;

/** The provider's own words: its last error message, else the newest message we kept. */
export function providerMessage(incident: Incident): string | undefined {
  const last = incident.last_error;
  return last?.provider_message ?? last?.message ?? incident.messages.at(-1);
}

function Time({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} title={absolute(iso)}>
      {relative(iso)}
    </time>
  );
}

type Result = { ok: boolean; text: string } | undefined;

/** "Link sent 2 h ago, opened 1 h ago, reconnected 5 min ago": did the customer act? */
function ReconnectTrail({ trail }: { trail: NonNullable<Incident["reconnect"]> }) {
  if (!trail.sent_at && !trail.opened_at) return null;
  return (
    <p class="facts" data-field="reconnect-trail">
      {trail.sent_at && (
        <span>
          Reconnect link sent <Time iso={trail.sent_at} />
        </span>
      )}
      {trail.opened_at ? (
        <span>
          opened <Time iso={trail.opened_at} />
        </span>
      ) : (
        <span>not opened yet</span>
      )}
      {trail.reconnected_at && (
        <span>
          reconnected <Time iso={trail.reconnected_at} />
        </span>
      )}
    </p>
  );
}

export function IncidentCard({
  incident,
  open,
  onToggle,
  act,
}: {
  incident: Incident;
  open: boolean;
  onToggle: (open: boolean) => void;
  act: Act;
}) {
  const [result, setResult] = useState<Result>();
  const [busy, setBusy] = useState(false);
  const [custom, setCustom] = useState(false);
  const [customText, setCustomText] = useState("");
  const [comment, setComment] = useState("");
  const titleId = `t-${incident.id}`;
  const message = providerMessage(incident);
  const resolved = incident.status === "resolved";

  async function run(action: Action) {
    setBusy(true);
    try {
      setResult({ ok: true, text: await act(incident, action) });
      if (action.kind === "mute") setCustom(false);
    } catch (error) {
      setResult({ ok: false, text: (error as Error).message });
    } finally {
      setBusy(false);
    }
  }

  async function copyReauth() {
    const url = incident.reauth_url ?? "";
    try {
      await navigator.clipboard.writeText(url);
      setResult({ ok: true, text: `Re-auth link copied: ${url}` });
    } catch {
      setResult({ ok: false, text: `Could not copy; the link is ${url}` });
    }
  }

  function submitCustom(event: Event) {
    event.preventDefault();
    const seconds = parseDuration(customText);
    if (seconds === undefined) {
      setResult({ ok: false, text: "Give a duration such as 30m, 2h or 3d (at most 30 days)." });
      return;
    }
    void run({ kind: "mute", seconds, ...(comment.trim() ? { comment: comment.trim() } : {}) });
  }

  return (
    <article
      class={`incident sev-${incident.severity}`}
      aria-labelledby={titleId}
      data-incident={incident.id}
    >
      <div class="tags">
        <span class="tag sev">{SEVERITY_LABEL[incident.severity]}</span>
        <span class="tag">{incident.provider}</span>
        <span class="tag">{categoryLabel(incident.category)}</span>
        <span class={`tag ${incident.status}`}>{incident.status}</span>
        {incident.acknowledged && (
          <span class="tag acked" title={incident.acknowledged.note ?? ""}>
            Acknowledged by {incident.acknowledged.by}
          </span>
        )}
        {incident.part_of && (
          <span class="tag outage" title={incident.part_of.title}>
            part of the {incident.provider.charAt(0).toUpperCase() + incident.provider.slice(1)}{" "}
            outage
          </span>
        )}
        {incident.delivery === "digest" && <span class="tag">notice in a digest</span>}
        {incident.muted_until && (
          <span class="tag muted">
            Muted until {absolute(incident.muted_until)} ({relative(incident.muted_until)})
            {incident.withheld ? ` (${incident.withheld} notice held)` : ""}
          </span>
        )}
      </div>
      <h3 id={titleId}>{incident.title}</h3>
      <div class="row">
        <div class="facts">
          <span>
            <strong data-field="count">{incident.count}</strong>{" "}
            {incident.count === 1 ? "occurrence" : "occurrences"}
          </span>
          <span>
            First seen <Time iso={incident.first_seen} />
          </span>
          <span>
            Last seen <Time iso={incident.last_seen} />
          </span>
          {incident.resolved_at && (
            <span>
              Resolved <Time iso={incident.resolved_at} />
              {incident.resolution === "manual" && incident.resolved_by
                ? ` by ${incident.resolved_by}`
                : incident.resolution
                  ? ` (${incident.resolution})`
                  : ""}
            </span>
          )}
        </div>
        <Sparkline hours={incident.hours} />
      </div>
      {incident.reconnect && <ReconnectTrail trail={incident.reconnect} />}
      {message && (
        <blockquote class="provider">
          <span class="who">Provider's last error message</span>
          <span data-field="provider-message">{message}</span>
        </blockquote>
      )}
      <details open={open} onToggle={(e) => onToggle((e.currentTarget as HTMLDetailsElement).open)}>
        <summary>What to do</summary>
        <p>{incident.what_happened}</p>
        <ol>
          {incident.remediation.map((step) => (
            <li key={step}>{step}</li>
          ))}
        </ol>
        <p class="facts">
          Rule <code>{incident.rule_id}</code>
          {incident.request_ids.length > 0 && (
            <span>
              Last request <code>{incident.request_ids.at(-1)}</code>
            </span>
          )}
          {incident.docs_url?.startsWith("https://") && (
            <a href={incident.docs_url} rel="noreferrer" target="_blank">
              Provider docs
            </a>
          )}
        </p>
      </details>
      {!resolved && (
        <fieldset class="actions" aria-label={`Actions for ${incident.title}`}>
          {!incident.acknowledged && (
            <button type="button" disabled={busy} onClick={() => run({ kind: "acknowledge" })}>
              Acknowledge
            </button>
          )}
          {MUTE_PRESETS.map(([label, seconds]) => (
            <button
              key={label}
              type="button"
              disabled={busy}
              onClick={() => run({ kind: "mute", seconds })}
            >
              {label}
            </button>
          ))}
          <button
            type="button"
            disabled={busy}
            aria-expanded={custom}
            onClick={() => setCustom(!custom)}
          >
            Mute…
          </button>
          {incident.mute && (
            <button type="button" disabled={busy} onClick={() => run({ kind: "unmute" })}>
              Unmute
            </button>
          )}
          <button
            type="button"
            class="danger"
            disabled={busy}
            onClick={() => run({ kind: "resolve" })}
          >
            Resolve
          </button>
          {incident.reauth_url && (
            <button type="button" onClick={copyReauth}>
              Copy re-auth link
            </button>
          )}
          {incident.reconnect_link && (
            <button
              type="button"
              disabled={busy}
              onClick={() => run({ kind: "copy-reconnect-link" })}
            >
              Copy reconnect link
            </button>
          )}
        </fieldset>
      )}
      {custom && !resolved && (
        <form class="custom" onSubmit={submitCustom}>
          <label>
            Mute for (e.g. 30m, 2h, 3d)
            <input
              value={customText}
              onInput={(e) => setCustomText((e.currentTarget as HTMLInputElement).value)}
              required
              inputMode="text"
              autoComplete="off"
            />
          </label>
          <label>
            Comment (optional)
            <input
              value={comment}
              onInput={(e) => setComment((e.currentTarget as HTMLInputElement).value)}
              maxLength={1000}
            />
          </label>
          <button type="submit" class="primary" disabled={busy}>
            Mute
          </button>
        </form>
      )}
      <p class={`result ${result ? (result.ok ? "ok" : "fail") : ""}`} role="status">
        {result?.text ?? ""}
      </p>
    </article>
  );
}

export const describeMute = (seconds: number) => `Muted for ${duration(seconds)}`;
