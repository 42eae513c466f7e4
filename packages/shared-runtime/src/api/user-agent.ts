/** This package's version; a test checks it against package.json. */
export const RUNTIME_VERSION = '0.1.0';

/** The `user-agent` header every api request carries. */
export const USER_AGENT = `jina-clip-runtime/${RUNTIME_VERSION}`;
