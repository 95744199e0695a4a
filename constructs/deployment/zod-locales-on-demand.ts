/**
 * zod loads every one of its sixty-odd locales when it loads (its `locales` export), though
 * the schema's messages are its own and zod's English fallback comes from a file zod loads
 * directly: about 45 ms of each synth, a tenth of the app's own time, for nothing read.
 * Imported before zod, so `z.locales` loads them on first use and still works as documented.
 */
import { loadOnDemand } from "../on-demand-module";

loadOnDemand("zod/v4/locales", { exports: "object", esModule: true });
