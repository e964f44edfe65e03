const HOURS = 48;
const BAR = 3;
const GAP = 1;
const HEIGHT = 28;

/** `YYYYMMDDHH` in UTC, as the incident's hour buckets are keyed. */
const hourKey = (t: number) => new Date(t).toISOString().slice(0, 13).replace(/\D/g, "");

/** Occurrences per hour over the last 48 hours, oldest first, from the incident's buckets. */
export function hourlyCounts(hours: Record<string, number>, now = Date.now()): number[] {
  return Array.from(
    { length: HOURS },
    (_, i) => hours[hourKey(now - (HOURS - 1 - i) * 3600e3)] ?? 0,
  );
}

export function Sparkline({ hours }: { hours: Record<string, number> }) {
  const counts = hourlyCounts(hours);
  const total = counts.reduce((a, b) => a + b, 0);
  const peak = Math.max(...counts);
  const label = `${total} in the last 48 hours; busiest hour ${peak}`;
  return (
    <div class="spark">
      <svg
        role="img"
        aria-label={`Hourly occurrences: ${label}`}
        width={HOURS * (BAR + GAP)}
        height={HEIGHT}
        viewBox={`0 0 ${HOURS * (BAR + GAP)} ${HEIGHT}`}
      >
        <title>{label}</title>
        <line
          x1="0"
          y1={HEIGHT - 0.5}
          x2={HOURS * (BAR + GAP)}
          y2={HEIGHT - 0.5}
          stroke="#6b7079"
        />
        {counts.map((n, i) =>
          n === 0 ? null : (
            <rect
              key={i}
              data-count={n}
              x={i * (BAR + GAP)}
              width={BAR}
              y={HEIGHT - Math.max(2, (n / peak) * (HEIGHT - 2))}
              height={Math.max(2, (n / peak) * (HEIGHT - 2))}
            />
          ),
        )}
      </svg>
      <span aria-hidden="true">48 h · {total}</span>
    </div>
  );
}
