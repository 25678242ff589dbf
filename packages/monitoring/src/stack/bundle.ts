/**
 * Bundles the stack's own TypeScript processes (demo service, receiver, traffic, dashboard viewer) into plain ESM with esbuild,
 * so they run on `node` without the tsx loader, which costs each of them tens of MB of resident memory (see
 * the stack figures of `npm run bench`). Bundles live in node_modules/.cache/ghmon (inside the repo, so their
 * npm imports resolve) and are rebuilt only when a source is newer.
 * Workspace packages (@greyhaven/*) are bundled from their sources (the `@greyhaven/source` export condition);
 * npm dependencies stay imports, resolved from the repo.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin, stop } from 'esbuild';

const externalNpmPackages: Plugin = {
  name: 'external-npm',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@greyhaven/') ? undefined : { path: args.path, external: true },
    );
  },
};

/** Returns the path of an up-to-date bundle of `entry` in `outDir`. */
export async function bundle(entry: string, outDir: string, name: string, root: string): Promise<string> {
  const outfile = join(outDir, `${name}.mjs`);
  const meta = `${outfile}.inputs`;
  if (existsSync(outfile) && existsSync(meta)) {
    const built = statSync(outfile).mtimeMs;
    const inputs = readFileSync(meta, 'utf8').split('\n').filter(Boolean);
    if (inputs.every((f) => existsSync(f) && statSync(f).mtimeMs <= built)) return outfile;
  }
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@greyhaven/source'],
    metafile: true,
    absWorkingDir: root,
    logLevel: 'silent',
    plugins: [externalNpmPackages],
  });
  writeFileSync(
    meta,
    Object.keys(result.metafile.inputs)
      .map((f) => join(root, f))
      .join('\n'),
  );
  return outfile;
}

/** Ends esbuild's service process (the next bundle() starts a new one). */
export async function stopBundler(): Promise<void> {
  await stop();
}
