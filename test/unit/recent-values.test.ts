import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { recent } from "../../shared/incidents/tallies.ts";

/** The plain reading: append each value, moving a repeat to the end, and keep the last five. */
function reference(existing: string[], incoming: (string | undefined)[]): string[] {
  const out = existing.filter((v) => v !== "");
  for (const value of incoming) {
    if (value === undefined || value === "") continue;
    const i = out.indexOf(value);
    if (i >= 0) out.splice(i, 1);
    out.push(value);
  }
  return out.slice(-5);
}

describe("an incident's recent request ids and messages", () => {
  it("are the last five distinct values, oldest first", () => {
    const value = fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "");
    fc.assert(
      fc.property(
        fc.uniqueArray(value, { maxLength: 5 }),
        fc.array(fc.option(value, { nil: undefined }), { maxLength: 40 }),
        (existing, incoming) => {
          expect(recent(existing, incoming)).toEqual(reference(existing, incoming));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("keep an old value that comes again as the newest", () => {
    expect(recent(["a", "b", "c"], ["a", undefined, ""])).toEqual(["b", "c", "a"]);
  });
});
