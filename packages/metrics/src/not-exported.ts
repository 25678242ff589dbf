/**
 * What `import '@greyhaven/metrics/<anything else>'` loads (package.json maps every subpath that is not an entry
 * point here): Node's own ERR_PACKAGE_PATH_NOT_EXPORTED names the path but not what to use instead.
 */
import { entryPointList } from './entry-points.ts';

throw new Error(
  `@greyhaven/metrics: that path is not one of the package's entry points (deep imports of src/ or dist/ are not ` +
    `part of its API). Import one of:\n${entryPointList()}`,
);
