import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Writes, into `directory`, a module loader hook that makes `sharp` unresolvable, as on a machine
 * where it is not installed, and the file that registers it. Returns that file: pass it to a child
 * process as `--import <file>`.
 */
export async function writeHideSharpHook(directory: string): Promise<string> {
  const hook = join(directory, 'hide-sharp.mjs');
  await writeFile(
    hook,
    `export async function resolve(specifier, context, next) {
  if (specifier === 'sharp') {
    const error = new Error(\`Cannot find package 'sharp' imported from \${context.parentURL}\`);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}
`,
  );
  const register = join(directory, 'register.mjs');
  await writeFile(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`,
  );
  return register;
}
