// berth: the CLI. Runs src/cli/main on this process's argv and stdio, then exits with its code.

// Caches the type-stripped, compiled modules between runs (a few ms instead of ~80); bin/berth
// turns it on before this file loads. Not `import … from 'node:module'`: an ES import of a
// builtin builds its facade, which evaluates its lazy exports.
process.getBuiltinModule('node:module').enableCompileCache?.();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2), {
  env: process.env,
  // A getter: building process.stdin (a tty, pipe or file stream) costs a few ms, and most commands never read it.
  get stdin() {
    return process.stdin;
  },
  stdout: process.stdout,
  stderr: process.stderr,
});
process.exit(code);
