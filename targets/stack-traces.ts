/**
 * Whether this process keeps stack traces for debugging (MATRIX_STACK_TRACES=1). Without
 * it, source maps are off from the moment this module loads: tsx turns them on, and Node
 * then decodes every loaded file's inline map (tens of milliseconds per synth) only to
 * translate traces that a user's mistake never shows (those are one line) and that cdktf's
 * metadata no longer records. Entry points import this module first, before anything else.
 */
export const STACK_TRACES = process.env.MATRIX_STACK_TRACES === "1";
if (!STACK_TRACES) process.setSourceMapsEnabled(false);
