/** Quirkwatch cannot start, for a reason the user can fix: one line, and exit code 2. */
export class StartupError extends Error {
  override name = "StartupError";
}
