import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/** SHA-256 of a text or bytes, as lower-case hex: the project's one content hash. */
export const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

/** SHA-256 of a file's bytes. */
export const sha256File = (path: string): string => sha256(readFileSync(path));
