// Bundles web/src into web/dist with esbuild: the app, the layout worker, the CSS and the
// HTML page. No CDN at run time: everything the browser loads comes from web/dist.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

await build({
  entryPoints: {
    app: join(here, "src", "main.js"),
    "layout.worker": join(here, "src", "layout.worker.js"),
  },
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "iife",
  target: ["chrome110", "firefox110", "safari16"],
  outdir: dist,
  legalComments: "linked",
  logLevel: "warning",
});
await build({
  entryPoints: [join(here, "src", "app.css")],
  bundle: true,
  minify: true,
  outdir: dist,
  logLevel: "warning",
});
copyFileSync(join(here, "src", "index.html"), join(dist, "index.html"));
console.log(`built ${dist}`);
