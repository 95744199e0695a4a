/**
 * A mistake in a deployment file. Its message is one line naming the field, the bad
 * value and what is allowed; main.ts prints it without a stack trace and exits 2.
 */
export class DeploymentError extends Error {
  constructor(
    readonly problems: readonly string[],
    readonly file?: string,
  ) {
    super(problems.map((p) => (file ? `${file}: ${p}` : p)).join("\n"));
    this.name = "DeploymentError";
  }
}

/** Formats a path such as ["onprem", "hosts", 3, "address"] as onprem.hosts[3].address. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || "(top level)";
}

/** A value as it appears in a message: strings quoted, long values shortened. */
export function showValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function problem(path: readonly PropertyKey[], value: unknown, what: string): string {
  return value === undefined ? `${fieldPath(path)}: ${what}` : `${fieldPath(path)}: ${showValue(value)} ${what}`;
}

/**
 * Runs a command's work; a DeploymentError becomes its lines on stderr and exit code 2
 * (a user's mistake, no stack trace). Anything else is a bug and propagates.
 */
export function exitOnDeploymentError<T>(work: () => T): T {
  try {
    return work();
  } catch (e) {
    if (!(e instanceof DeploymentError)) throw e;
    for (const line of e.message.split("\n")) console.error(`error: ${line}`);
    process.exit(2);
  }
}
