/** The config module ghmon reads unless told otherwise (a leaf: `ghmon help` prints it without loading zod). */
export const DEFAULT_CONFIG_FILE = 'monitoring.config.ts';
