import type { Incident } from "./api.ts";
import { absolute, categoryLabel, relative, SEVERITY_LABEL, SEVERITY_ORDER } from "./format.ts";
import { type Act, IncidentCard } from "./incident-card.tsx";
import type { FilterKey, Filters } from "./url-state.ts";

const RESOLVED_DAYS = 7;
const STATUSES: Record<string, string> = {
  open: "Open (firing or pending)",
  firing: "Firing",
  pending: "Pending",
  acknowledged: "Acknowledged",
  muted: "Muted",
};

function matches(i: Incident, f: Filters): boolean {
  return (
    (!f.account || i.account_id === f.account) &&
    (!f.provider || i.provider === f.provider) &&
    (!f.category || i.category === f.category) &&
    (!f.severity || i.severity === f.severity)
  );
}

function matchesStatus(i: Incident, status = "open"): boolean {
  if (i.status === "resolved") return false;
  if (status === "firing" || status === "pending") return i.status === status;
  if (status === "acknowledged") return i.acknowledged !== undefined;
  if (status === "muted") return i.muted_until !== undefined;
  return true;
}

const rank = (i: Incident) => SEVERITY_ORDER.indexOf(i.severity);
const byUrgency = (a: Incident, b: Incident) =>
  rank(a) - rank(b) || b.last_seen.localeCompare(a.last_seen);

function Select({
  name,
  label,
  value,
  options,
  onChange,
}: {
  name: FilterKey;
  label: string;
  value: string | undefined;
  options: [string, string][];
  onChange: (key: FilterKey, value: string) => void;
}) {
  return (
    <label>
      {label}
      <select
        name={name}
        value={value ?? ""}
        onChange={(e) => onChange(name, (e.currentTarget as HTMLSelectElement).value)}
      >
        {name !== "status" && <option value="">All</option>}
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

export function IncidentsView({
  incidents,
  filters,
  setFilters,
  openDetails,
  toggleDetails,
  act,
}: {
  incidents: Incident[];
  filters: Filters;
  setFilters: (update: Filters | ((previous: Filters) => Filters)) => void;
  openDetails: Set<string>;
  toggleDetails: (id: string, open: boolean) => void;
  act: Act;
}) {
  const distinct = (pick: (i: Incident) => string, extra?: string) =>
    [...new Set([...incidents.map(pick), ...(extra ? [extra] : [])])].sort();
  const accountNames = new Map(incidents.map((i) => [i.account_id, i.account_name]));
  const change = (key: FilterKey, value: string) =>
    // From the latest filters, not this render's: two changes before a render both count.
    setFilters((previous) => ({ ...previous, [key]: value || undefined }));

  const shown = incidents.filter((i) => matches(i, filters));
  const open = shown.filter((i) => matchesStatus(i, filters.status)).sort(byUrgency);
  const since = Date.now() - RESOLVED_DAYS * 86400e3;
  const resolved = shown
    .filter((i) => i.status === "resolved" && Date.parse(i.resolved_at ?? "") >= since)
    .sort((a, b) => (b.resolved_at ?? "").localeCompare(a.resolved_at ?? ""));

  // Provider incidents first, each with the accounts it covers; then the accounts.
  const outages = open.filter((i) => i.scope === "provider" && i.status === "firing");
  const groups = new Map<string, Incident[]>();
  for (const i of open)
    if (i.scope !== "provider") groups.set(i.account_id, [...(groups.get(i.account_id) ?? []), i]);
  const card = (i: Incident) => (
    <IncidentCard
      key={i.id}
      incident={i}
      open={openDetails.has(i.id)}
      onToggle={(o) => toggleDetails(i.id, o)}
      act={act}
    />
  );

  return (
    <>
      <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <Select
          name="account"
          label="Account"
          value={filters.account}
          options={distinct((i) => i.account_id, filters.account).map((id) => [
            id,
            accountNames.get(id) ? `${accountNames.get(id)} (${id})` : id,
          ])}
          onChange={change}
        />
        <Select
          name="provider"
          label="Provider"
          value={filters.provider}
          options={distinct((i) => i.provider, filters.provider).map((p) => [p, p])}
          onChange={change}
        />
        <Select
          name="category"
          label="Category"
          value={filters.category}
          options={distinct((i) => i.category, filters.category).map((c) => [c, categoryLabel(c)])}
          onChange={change}
        />
        <Select
          name="severity"
          label="Severity"
          value={filters.severity}
          options={SEVERITY_ORDER.map((s) => [s, SEVERITY_LABEL[s]])}
          onChange={change}
        />
        <Select
          name="status"
          label="Status"
          value={filters.status ?? "open"}
          options={Object.entries(STATUSES)}
          onChange={change}
        />
        <button type="button" class="clear" onClick={() => setFilters({})}>
          Clear filters
        </button>
      </form>
      <p class="summary" aria-live="polite">
        {open.length} open {open.length === 1 ? "incident" : "incidents"} across {groups.size}{" "}
        {groups.size === 1 ? "account" : "accounts"}
      </p>
      {open.length === 0 && <p class="empty">Nothing open matches these filters.</p>}
      {outages.length > 0 && (
        <section class="outages" aria-labelledby="outages">
          <h2 id="outages">Provider incidents</h2>
          {outages.map((outage) => {
            const covered = open.filter((i) => i.part_of?.id === outage.id);
            return (
              <div key={outage.id} class="outage">
                {card(outage)}
                <details class="affected">
                  <summary>
                    Affected accounts ({outage.affected_accounts ?? covered.length})
                  </summary>
                  <ul>
                    {covered.map((i) => (
                      <li key={i.id}>
                        {i.account_name ? `${i.account_name} (${i.account_id})` : i.account_id} ·{" "}
                        {i.count} {i.count === 1 ? "event" : "events"}
                      </li>
                    ))}
                  </ul>
                </details>
              </div>
            );
          })}
        </section>
      )}
      {[...groups].map(([accountId, list]) => (
        <section class="account" key={accountId} aria-labelledby={`a-${accountId}`}>
          <h2 id={`a-${accountId}`}>
            {accountNames.get(accountId) ?? accountId}
            {accountNames.get(accountId) && <span class="id">{accountId}</span>}
            <span class="id">· {list.length} open</span>
          </h2>
          {list.map(card)}
        </section>
      ))}
      <details class="resolved-list">
        <summary>
          Resolved in the last {RESOLVED_DAYS} days ({resolved.length})
        </summary>
        {resolved.length === 0 ? (
          <p>None.</p>
        ) : (
          <ul>
            {resolved.map((i) => (
              <li key={i.id} data-incident={i.id}>
                <strong>{i.title}</strong> —{" "}
                {i.account_name ? `${i.account_name} (${i.account_id})` : i.account_id} ·{" "}
                {i.provider} · {i.count} {i.count === 1 ? "occurrence" : "occurrences"} · resolved{" "}
                <time dateTime={i.resolved_at} title={absolute(i.resolved_at ?? "")}>
                  {relative(i.resolved_at ?? "")}
                </time>
                {i.resolution === "manual"
                  ? ` by ${i.resolved_by ?? "hand"}`
                  : ` (${i.resolution})`}
                {i.reconnect?.reconnected_at && " · reconnected through the link"}
              </li>
            ))}
          </ul>
        )}
      </details>
    </>
  );
}
