import type { ValidationIssue } from "../validation.ts";

/** A request refused for a reason the caller can fix (or, for 503, retry). */
export class IngestRejection extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: ValidationIssue[] = [],
  ) {
    super(message);
    this.name = "IngestRejection";
  }
}
