import { providerName } from "../text-format.ts";
import type { CustomerWording } from "./rule.ts";

/** A rule's customer wording for one provider: `{provider}` becomes its name (`Hibob`). */
export function wordingFor(wording: CustomerWording, provider: string): CustomerWording {
  const name = providerName(provider);
  const fill = (text: string) => text.replaceAll("{provider}", name);
  return {
    title: fill(wording.title),
    what_happened: fill(wording.what_happened),
    remediation: wording.remediation.map(fill),
  };
}
